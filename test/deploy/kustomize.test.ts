/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- manifests are free-form YAML; these tests assert their shape field by field */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../src/config/schema.ts';
import { applyKustomizePatches, baseResources, DEPLOY, parseYaml } from './manifests.ts';
import type { Doc } from './manifests.ts';

type Obj = Record<string, any>;

const base = baseResources();
const byKind = (docs: Doc[], kind: string): Obj => {
  const d = docs.find((x) => x.kind === kind);
  if (!d) throw new Error(`no ${kind}`);
  return d;
};

test('the base holds the expected objects, all in the kubeproof namespace', (t) => {
  t.deepEqual(base.map((d) => d.kind).sort(), [
    'ClusterRole',
    'ClusterRoleBinding',
    'ConfigMap',
    'CronJob',
    'Namespace',
    'NetworkPolicy',
    'Role',
    'RoleBinding',
    'ServiceAccount',
  ]);
  for (const d of base) {
    if (['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(d.kind!)) continue;
    t.is(d.metadata?.namespace, 'kubeproof', `${d.kind} ${d.metadata?.name}`);
  }
});

test('every file a kustomization or component names exists', (t) => {
  for (const dir of [
    'base',
    'components/reports-pvc',
    'components/audit-log',
    'components/signing-key',
    'examples/eks',
    'examples/gke',
    'examples/aks',
  ]) {
    const file = path.join(DEPLOY, dir, 'kustomization.yaml');
    const k = parseYaml(file)[0] as Obj;
    const refs: string[] = [
      ...(k['resources'] ?? []),
      ...(k['components'] ?? []),
      ...((k['configMapGenerator'] ?? []) as Obj[]).flatMap((g) =>
        (g['files'] as string[]).map((f) => f.split('=').at(-1)!),
      ),
    ];
    t.true(refs.length > 0 || (k['patches'] ?? []).length > 0, dir);
    for (const r of refs) t.true(existsSync(path.join(DEPLOY, dir, r)), `${dir}: ${r}`);
  }
});

test('CronJob: Forbid concurrency, deadlines, no retries, hardened non-root pod', (t) => {
  const cj = byKind(base, 'CronJob');
  t.is(cj['spec'].concurrencyPolicy, 'Forbid');
  t.true(cj['spec'].startingDeadlineSeconds > 0);
  const job = cj['spec'].jobTemplate.spec;
  t.true(job.activeDeadlineSeconds > 0);
  t.is(job.backoffLimit, 0);
  const pod = job.template.spec;
  t.is(pod.serviceAccountName, 'kubeproof');
  t.true(pod.securityContext.runAsNonRoot);
  t.is(pod.securityContext.runAsUser, 10001);
  t.is(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  const c = pod.containers[0];
  t.true(c.securityContext.readOnlyRootFilesystem);
  t.false(c.securityContext.allowPrivilegeEscalation);
  t.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  t.truthy(
    c.resources.requests.cpu &&
      c.resources.requests.memory &&
      c.resources.limits.cpu &&
      c.resources.limits.memory,
  );
  t.false(String(c.image).endsWith(':latest'));
  t.regex(String(c.image), /:[0-9]+\.[0-9]+\.[0-9]+$/);
  const mounts = Object.fromEntries((c.volumeMounts as Obj[]).map((m) => [m['mountPath'], m['name']]));
  const volumes = Object.fromEntries((pod.volumes as Obj[]).map((v) => [v['name'], v]));
  // writable places for a read-only root: /tmp and Chromium's home are emptyDirs
  t.truthy(volumes[mounts['/tmp']].emptyDir);
  t.truthy(volumes[mounts['/home/kubeproof']].emptyDir);
  t.truthy(volumes[mounts['/etc/kubeproof']].configMap);
  t.true(c.args.includes('--in-cluster'));
});

test('CronJob: credentials only from Secret references, optional, never inline', (t) => {
  const c = byKind(base, 'CronJob')['spec'].jobTemplate.spec.template.spec.containers[0];
  const env = c.env as Obj[];
  const secretRefs = env.filter((e) => e['valueFrom']?.secretKeyRef).map((e) => e['valueFrom'].secretKeyRef);
  t.deepEqual([...new Set(secretRefs.map((s) => s.name))].sort(), ['kubeproof-s3', 'kubeproof-smtp']);
  for (const s of secretRefs) t.true(s.optional);
  for (const e of env) {
    if (/PASSWORD|SECRET|TOKEN|SMTP_URL|ACCESS_KEY/.test(e['name']))
      t.is(e['value'], undefined, `${e['name']} is inline`);
  }
  const cfg = byKind(base, 'ConfigMap')['data']['config.yaml'] as string;
  t.notRegex(cfg, /password|secret|smtps?:\/\//i);
});

test('NetworkPolicy: no ingress, egress limited to DNS, the API, SMTP and HTTPS', (t) => {
  const np = byKind(base, 'NetworkPolicy')['spec'];
  t.deepEqual(np.policyTypes, ['Ingress', 'Egress']);
  t.deepEqual(np.ingress, []);
  const ports = (np.egress as Obj[])
    .flatMap((e) => (e['ports'] as Obj[]).map((p) => `${p['protocol']}/${p['port']}`))
    .sort();
  t.deepEqual(ports, ['TCP/443', 'TCP/465', 'TCP/53', 'TCP/587', 'TCP/6443', 'UDP/53']);
});

test('kube-bench Job template: hostPID, read-only host mounts, control-plane tolerations, no token', (t) => {
  const [job] = parseYaml(path.join(DEPLOY, 'base', 'jobs', 'kube-bench-job.yaml')) as Obj[];
  const pod = job!['spec'].template.spec;
  t.true(pod.hostPID);
  t.false(pod.automountServiceAccountToken);
  t.is(job!['spec'].backoffLimit, 0);
  t.true(job!['spec'].ttlSecondsAfterFinished > 0);
  t.deepEqual((pod.tolerations as Obj[]).map((x) => x['key']).sort(), [
    'node-role.kubernetes.io/control-plane',
    'node-role.kubernetes.io/master',
  ]);
  const c = pod.containers[0];
  t.true(c.args.includes('--json'));
  t.false(String(c.image).endsWith(':latest'));
  t.true((c.volumeMounts as Obj[]).length >= 8);
  for (const m of c.volumeMounts as Obj[]) t.true(m['readOnly'], `${m['mountPath']} must be read-only`);
  for (const v of pod.volumes as Obj[]) t.truthy(v['hostPath']);
});

test('the base ConfigMap generator ships the Job templates kubeproof reads at run time', (t) => {
  const k = parseYaml(path.join(DEPLOY, 'base', 'kustomization.yaml'))[0] as Obj;
  const gen = (k['configMapGenerator'] as Obj[]).find((g) => g['name'] === 'kubeproof-job-templates')!;
  t.deepEqual(gen['files'], [
    'kube-bench-job.yaml=jobs/kube-bench-job.yaml',
    'kubescape-job.yaml=jobs/kubescape-job.yaml',
  ]);
  const cfg = parseYaml('config.yaml', byKind(base, 'ConfigMap')['data']['config.yaml'])[0] as Obj;
  t.is(cfg['jobs'].kubeBench.template, '/etc/kubeproof/jobs/kube-bench-job.yaml');
});

test('components patch the CronJob where they mean to (reports on a PVC, audit log mounted read-only)', (t) => {
  const pvc = applyKustomizePatches(
    path.join(DEPLOY, 'components', 'reports-pvc', 'kustomization.yaml'),
    base,
  );
  const pod = byKind(pvc, 'CronJob')['spec'].jobTemplate.spec.template.spec;
  const reports = (pod.volumes as Obj[]).find((v) => v['name'] === 'reports')!;
  t.is(reports['persistentVolumeClaim'].claimName, 'kubeproof-reports');
  t.is((pod.volumes as Obj[]).length, 5);

  const audit = applyKustomizePatches(
    path.join(DEPLOY, 'components', 'audit-log', 'kustomization.yaml'),
    base,
  );
  const apod = byKind(audit, 'CronJob')['spec'].jobTemplate.spec.template.spec;
  const m = (apod.containers[0].volumeMounts as Obj[]).find((x) => x['name'] === 'audit-log')!;
  t.true(m['readOnly']);
  t.true(apod.containers[0].args.includes(`--audit-log=${m['mountPath']}`));
  t.deepEqual(apod.nodeSelector, { 'node-role.kubernetes.io/control-plane': '' });
});

test('signing-key component: the key Secret is mounted read-only and named by KUBEPROOF_SIGNING_KEY_FILE, never in the ConfigMap', (t) => {
  const out = applyKustomizePatches(
    path.join(DEPLOY, 'components', 'signing-key', 'kustomization.yaml'),
    base,
  );
  const pod = byKind(out, 'CronJob')['spec'].jobTemplate.spec.template.spec;
  const vol = (pod.volumes as Obj[]).find((v) => v['name'] === 'signing-key')!;
  t.is(vol['secret'].secretName, 'kubeproof-signing-key');
  t.is(vol['secret'].defaultMode, 0o400);
  const c = pod.containers[0];
  const mount = (c.volumeMounts as Obj[]).find((m) => m['name'] === 'signing-key')!;
  t.true(mount['readOnly']);
  const env = (c.env as Obj[]).find((e) => e['name'] === 'KUBEPROOF_SIGNING_KEY_FILE')!;
  t.true(String(env['value']).startsWith(`${mount['mountPath']}/`));
  t.notRegex(JSON.stringify(byKind(out, 'ConfigMap')), /signing-key\.pem|PRIVATE KEY/);
});

test('EKS, GKE and AKS examples: identity annotations, managed control plane, valid config', (t) => {
  const expect: Record<string, { annotation: string; benchmark: RegExp }> = {
    eks: { annotation: 'eks.amazonaws.com/role-arn', benchmark: /^eks-/ },
    gke: { annotation: 'iam.gke.io/gcp-service-account', benchmark: /^gke-/ },
    aks: { annotation: 'azure.workload.identity/client-id', benchmark: /^aks-/ },
  };
  for (const [name, e] of Object.entries(expect)) {
    const out = applyKustomizePatches(path.join(DEPLOY, 'examples', name, 'kustomization.yaml'), base);
    t.truthy(byKind(out, 'ServiceAccount')['metadata'].annotations[e.annotation], name);
    const cfg = parseYaml(`${name} config.yaml`, byKind(out, 'ConfigMap')['data']['config.yaml'])[0] as Obj;
    t.is(cfg['jobs'].kubeBench.controlPlane, 'never', name);
    t.regex(cfg['jobs'].kubeBench.benchmark, e.benchmark, name);
    t.notRegex(
      readFileSync(path.join(DEPLOY, 'examples', name, 'kustomization.yaml'), 'utf8'),
      /secretAccessKey:|password:/i,
    );
  }
  const aks = applyKustomizePatches(path.join(DEPLOY, 'examples', 'aks', 'kustomization.yaml'), base);
  t.is(
    byKind(aks, 'CronJob')['spec'].jobTemplate.spec.template.metadata.labels['azure.workload.identity/use'],
    'true',
  );
});

test('every configuration shipped in deploy/ is valid kubeproof configuration', (t) => {
  const configs: [string, unknown][] = [
    ['base', parseYaml('base', byKind(base, 'ConfigMap')['data']['config.yaml'])[0]],
  ];
  for (const name of ['eks', 'gke', 'aks']) {
    const out = applyKustomizePatches(path.join(DEPLOY, 'examples', name, 'kustomization.yaml'), base);
    configs.push([name, parseYaml(name, byKind(out, 'ConfigMap')['data']['config.yaml'])[0]]);
  }
  configs.push([
    'helm values',
    (parseYaml(path.join(DEPLOY, 'helm', 'kubeproof', 'values.yaml'))[0] as Obj)['config'],
  ]);
  for (const [name, cfg] of configs) {
    const r = configSchema.safeParse(cfg);
    t.true(r.success, `${name}: ${r.success ? '' : JSON.stringify(r.error.issues)}`);
    if (r.success) t.true(r.data.cluster.inCluster, name);
  }
});
