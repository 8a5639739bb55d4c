import test, { type ExecutionContext } from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReportModel } from '../../src/model/types.ts';
import { runCli } from '../support/cli.ts';
import { generatePods, startKubeApiServer } from '../support/kube-api-server.ts';
import { kubeconfigYaml, tempDir } from '../support/kube-config.ts';

const RBAC = [
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'cluster-admin' },
    rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'alice-admin' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'User', name: 'alice@example.com', apiGroup: 'rbac.authorization.k8s.io' }],
  },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } },
];

async function scan(t: ExecutionContext, deny = false) {
  const srv = await startKubeApiServer({
    tls: true,
    token: 'secret-token-value-123',
    objects: [...RBAC, ...generatePods(120, 3)],
  });
  t.teardown(() => srv.close());
  if (deny) srv.deny({ verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' });
  const dir = tempDir(t);
  const kc = path.join(dir, 'kubeconfig');
  await writeFile(kc, kubeconfigYaml(srv, { context: 'prod-eu-1' }));
  const out = path.join(dir, 'out');
  const r = await runCli([
    'scan',
    '--kubeconfig',
    kc,
    '--format',
    'json',
    '--out',
    out,
    '--log-format',
    'json',
  ]);
  const model = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as ReportModel;
  return { r, model, srv };
}

test('live scan through a kubeconfig: cluster named by the context, rbac and workloads collected, read-only', async (t) => {
  const { r, model, srv } = await scan(t);
  t.is(r.code, 0, r.stderr);
  t.is(model.cluster.name, 'prod-eu-1');
  t.is(model.cluster.nameSource, 'kubeconfig');
  t.deepEqual(
    model.runs.map((x) => [x.source, x.status]),
    [
      ['kubescape', 'skipped'],
      ['rbac', 'ok'],
      ['workloads', 'ok'],
    ],
  );
  t.regex(model.runs[0]!.error!.message, /operator is not installed/);
  t.true(model.findings.some((f) => f.ruleId === 'rbac.cluster-admin-binding' && f.status === 'fail'));
  t.deepEqual(srv.writes, [], 'kubeproof never writes to the cluster');
  t.true(srv.requests.every((q) => q.method === 'GET'));
  t.false(r.stderr.includes('secret-token-value-123'), 'the bearer token never reaches a log line');
  t.false(JSON.stringify(model).includes('secret-token-value-123'));
  // a who-can view or a workloads pass is derived: it names the lists it was computed from
  for (const e of model.evidence.filter((x) => x.kind === 'derived')) {
    const run = model.runs.find((x) => x.source === e.source)!;
    t.deepEqual(
      e.locator.inputs,
      run.inputs.map((i) => i.path),
      e.id,
    );
  }
  t.true(model.evidence.some((x) => x.kind === 'derived' && x.source === 'rbac'));
  // every list read from the API is an input with the SHA-256 and size of its page bodies as received
  for (const run of model.runs.filter((x) => x.source === 'rbac' || x.source === 'workloads')) {
    const lists = run.inputs.filter((i) => i.format === 'kubernetes-list');
    t.true(lists.length > 0, run.source);
    for (const i of lists) {
      t.regex(i.sha256 ?? '', /^[0-9a-f]{64}$/, `${run.source} ${i.path}`);
      t.true((i.bytes ?? 0) > 0, `${run.source} ${i.path}`);
    }
  }
  const pods = model.runs
    .find((x) => x.source === 'workloads')!
    .inputs.find((i) => i.path === '/api/v1/pods')!;
  const podPages = srv.requests.filter((q) => q.path === '/api/v1/pods').length;
  t.true(podPages >= 1);
  t.true(pods.bytes! > 1000, 'the 120 pods were hashed as read');
});

test('403 on clusterroles: rbac failed with the missing permission, its controls not-assessed, report written, exit 3', async (t) => {
  const { r, model } = await scan(t, true);
  t.is(r.code, 3, r.stderr);
  const rbac = model.runs.find((x) => x.source === 'rbac')!;
  t.is(rbac.status, 'failed');
  t.regex(
    rbac.error!.message,
    /"list" on resource "clusterroles" in API group "rbac\.authorization\.k8s\.io"/,
  );
  t.regex(rbac.error!.message, /deploy\/base\/clusterrole\.yaml/);
  t.regex(r.stderr, /clusterroles/);
  const nist = model.frameworks.find((f) => f.id === 'nist-800-53-r5')!;
  const ac6 = nist.controls.find((c) => c.controlId === 'AC-6')!;
  t.not(ac6.status, 'pass');
  t.true(model.runs.find((x) => x.source === 'workloads')!.status === 'ok');
});

test('no kubeconfig and no service account: a clear error, never a silent localhost', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['scan', '--format', 'json', '--out', path.join(dir, 'out')], {
    env: { HOME: dir, KUBERNETES_SERVICE_HOST: '' },
  });
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /--no-cluster|--kubeconfig|KUBECONFIG/);
  t.notRegex(r.stderr, /localhost:8080.*(connect|ECONNREFUSED)/);
});
