/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- manifests are free-form YAML; these tests assert their shape field by field */
/**
 * The Helm chart, rendered with test/deploy/helm-render.ts (no helm binary on the build machines: the
 * chart keeps to the Go-template subset that evaluator implements, and it throws on anything else).
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { baseResources, DEPLOY, parseYaml } from './manifests.ts';
import type { Doc } from './manifests.ts';
import { mergeValues, renderTemplate } from './helm-render.ts';

type Obj = Record<string, any>;

const CHART = path.join(DEPLOY, 'helm', 'kubeproof');
const defaults = parseYaml(path.join(CHART, 'values.yaml'))[0] as Obj;
const schema = JSON.parse(readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')) as object;
const chart = parseYaml(path.join(CHART, 'Chart.yaml'))[0] as Obj;

function render(overrides: Obj = {}, namespace = 'kubeproof', name = 'kubeproof'): Doc[] {
  const values = mergeValues(defaults, overrides) as Obj;
  const ctx = {
    Values: values,
    Release: { Name: name, Namespace: namespace },
    Chart: { Name: chart['name'], Version: chart['version'], AppVersion: chart['appVersion'] },
    chartDir: CHART,
  };
  const dir = path.join(CHART, 'templates');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) =>
      parseYaml(path.join(dir, f), renderTemplate(readFileSync(path.join(dir, f), 'utf8'), ctx)),
    );
}

const one = (docs: Doc[], kind: string, name?: string): Obj => {
  const d = docs.find((x) => x.kind === kind && (name === undefined || x.metadata?.name === name));
  if (!d) throw new Error(`no ${kind} ${name ?? ''}`);
  return d;
};

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

test('values.yaml satisfies values.schema.json; the schema refuses latest, unknown keys and inline SMTP URLs', (t) => {
  t.true(validate(defaults), JSON.stringify(validate.errors));
  t.false(validate(mergeValues(defaults, { image: { tag: 'latest' } })));
  t.false(validate(mergeValues(defaults, { imagePullSecretz: [] })));
  t.false(validate(mergeValues(defaults, { schedule: 'nightly' })));
  t.false(validate(mergeValues(defaults, { config: { deliver: { email: { smtpUrl: 'smtp://u:p@h' } } } })));
  t.true(
    validate(
      mergeValues(defaults, { persistence: { enabled: true, size: '10Gi' }, auditLog: { enabled: true } }),
    ),
  );
});

test('default render: the same objects as the kustomize base (minus the Namespace)', (t) => {
  const docs = render();
  t.deepEqual(docs.map((d) => d.kind).sort(), [
    'ClusterRole',
    'ClusterRoleBinding',
    'ConfigMap',
    'ConfigMap',
    'CronJob',
    'NetworkPolicy',
    'Role',
    'RoleBinding',
    'ServiceAccount',
  ]);
  for (const d of docs) if (!d.kind!.startsWith('Cluster')) t.is(d.metadata?.namespace, 'kubeproof');
});

test("the chart's ClusterRole and Role grant exactly what the kustomize base grants", (t) => {
  const docs = render({}, 'compliance', 'kp');
  const base = baseResources();
  t.deepEqual(one(docs, 'ClusterRole')['rules'], one(base, 'ClusterRole')['rules']);
  t.deepEqual(one(docs, 'Role')['rules'], one(base, 'Role')['rules']);
  t.deepEqual(one(docs, 'ClusterRoleBinding')['subjects'], [
    { kind: 'ServiceAccount', name: 'kp', namespace: 'compliance' },
  ]);
  t.is(one(docs, 'Role')['metadata'].namespace, 'compliance');
});

test("the chart's CronJob matches the base on every hardening setting", (t) => {
  const h = one(render(), 'CronJob')['spec'];
  const b = one(baseResources(), 'CronJob')['spec'];
  for (const k of ['schedule', 'timeZone', 'concurrencyPolicy', 'startingDeadlineSeconds'])
    t.deepEqual(h[k], b[k], k);
  for (const k of ['backoffLimit', 'activeDeadlineSeconds'])
    t.deepEqual(h.jobTemplate.spec[k], b.jobTemplate.spec[k], k);
  const hp = h.jobTemplate.spec.template.spec;
  const bp = b.jobTemplate.spec.template.spec;
  t.deepEqual(hp.securityContext, bp.securityContext);
  t.deepEqual(hp.containers[0].securityContext, bp.containers[0].securityContext);
  t.deepEqual(hp.containers[0].resources, bp.containers[0].resources);
  t.deepEqual(hp.containers[0].args, bp.containers[0].args);
  t.deepEqual(hp.containers[0].env, bp.containers[0].env);
  t.deepEqual(
    hp.containers[0].volumeMounts.map((m: Obj) => m['mountPath']),
    bp.containers[0].volumeMounts.map((m: Obj) => m['mountPath']),
  );
  t.is(hp.containers[0].image, 'ghcr.io/kubeproof/kubeproof:0.1.0');
});

test('the chart ships the same Job templates as deploy/base/jobs, and the same configuration', (t) => {
  for (const f of ['kube-bench-job.yaml', 'kubescape-job.yaml']) {
    t.is(
      readFileSync(path.join(CHART, 'files', f), 'utf8'),
      readFileSync(path.join(DEPLOY, 'base', 'jobs', f), 'utf8'),
      f,
    );
  }
  const cm = one(render(), 'ConfigMap', 'kubeproof-job-templates')['data'];
  t.is(
    cm['kube-bench-job.yaml'],
    readFileSync(path.join(DEPLOY, 'base', 'jobs', 'kube-bench-job.yaml'), 'utf8'),
  );
  const cfg = parseYaml(
    'config.yaml',
    one(render(), 'ConfigMap', 'kubeproof-config')['data']['config.yaml'],
  )[0];
  const baseCfg = parseYaml('config.yaml', one(baseResources(), 'ConfigMap')['data']['config.yaml'])[0];
  t.deepEqual(cfg, baseCfg);
});

test('options: PVC, audit-log mount, identity annotations, pod labels, no NetworkPolicy', (t) => {
  const docs = render({
    persistence: { enabled: true, size: '20Gi', storageClassName: 'gp3' },
    auditLog: { enabled: true, hostPath: '/var/log/kube-audit' },
    serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/kp' } },
    podLabels: { 'azure.workload.identity/use': 'true' },
    networkPolicy: { enabled: false },
  });
  const pvc = one(docs, 'PersistentVolumeClaim');
  t.is(pvc['spec'].resources.requests.storage, '20Gi');
  t.is(pvc['spec'].storageClassName, 'gp3');
  const pod = one(docs, 'CronJob')['spec'].jobTemplate.spec.template;
  t.is(pod.metadata.labels['azure.workload.identity/use'], 'true');
  const vols = Object.fromEntries(pod.spec.volumes.map((v: Obj) => [v['name'], v]));
  t.is(vols['reports'].persistentVolumeClaim.claimName, 'kubeproof-reports');
  t.deepEqual(vols['audit-log'].hostPath, { path: '/var/log/kube-audit', type: 'Directory' });
  const mount = pod.spec.containers[0].volumeMounts.find((m: Obj) => m['name'] === 'audit-log');
  t.true(mount.readOnly);
  t.true(pod.spec.containers[0].args.includes('--audit-log=/var/log/kube-audit'));
  t.deepEqual(pod.spec.nodeSelector, { 'node-role.kubernetes.io/control-plane': '' });
  t.is(
    one(docs, 'ServiceAccount')['metadata'].annotations['eks.amazonaws.com/role-arn'],
    'arn:aws:iam::111122223333:role/kp',
  );
  t.false(docs.some((d) => d.kind === 'NetworkPolicy'));
});

test('signing: off by default; with a Secret name, the key is mounted read-only and KUBEPROOF_SIGNING_KEY_FILE points at it', (t) => {
  const envOf = (docs: Doc[]): Obj[] =>
    one(docs, 'CronJob')['spec'].jobTemplate.spec.template.spec.containers[0].env;
  t.false(envOf(render()).some((e) => e['name'] === 'KUBEPROOF_SIGNING_KEY_FILE'));
  const docs = render({ signing: { secretName: 'kp-signing' } });
  const pod = one(docs, 'CronJob')['spec'].jobTemplate.spec.template.spec;
  const vol = (pod.volumes as Obj[]).find((v) => v['name'] === 'signing-key')!;
  t.deepEqual(vol['secret'], { secretName: 'kp-signing', defaultMode: 256 });
  const mount = (pod.containers[0].volumeMounts as Obj[]).find((m) => m['name'] === 'signing-key')!;
  t.true(mount['readOnly']);
  const env = envOf(docs).find((e) => e['name'] === 'KUBEPROOF_SIGNING_KEY_FILE')!;
  t.true(String(env['value']).startsWith(`${mount['mountPath']}/`));
  // the SMTP password can live in its own Secret key, apart from the URL
  const pw = envOf(docs).find((e) => e['name'] === 'KUBEPROOF_SMTP_PASSWORD')!;
  t.deepEqual(pw['valueFrom'], { secretKeyRef: { name: 'kubeproof-smtp', key: 'password', optional: true } });
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  t.true(validate(mergeValues(defaults, { signing: { secretName: 'kp-signing' } })));
  t.false(validate(mergeValues(defaults, { signing: { secretName: 'Not A Name' } })));
});

test('the evaluator refuses template constructs outside its subset', (t) => {
  const ctx = {
    Values: {},
    Release: { Name: 'a', Namespace: 'b' },
    Chart: { Name: 'c', Version: '1', AppVersion: '1' },
    chartDir: CHART,
  };
  t.throws(() => renderTemplate('{{ include "x" . }}', ctx), { message: /unsupported/ });
  t.throws(() => renderTemplate('{{ range .Values.x }}{{ end }}', ctx), { message: /unsupported/ });
  t.throws(() => renderTemplate('{{ .Values.missing }}', ctx), { message: /no value/ });
  t.is(
    renderTemplate('a\n  {{- if .Release.Name }}\nb{{ .Release.Namespace | quote }}\n  {{- end }}\n', ctx),
    'a\nb"b"\n',
  );
});
