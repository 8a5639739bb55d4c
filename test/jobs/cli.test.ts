/** `kubeproof scan --kube-bench-job` end to end: CLI → config → sources → report, against the test API server. */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../support/cli.ts';
import { startKubeApiServer } from '../support/kube-api-server.ts';
import { kubeconfigYaml, tempDir } from '../support/kube-config.ts';
import { NODE_JSON } from './support.ts';

test('reads kube-bench Jobs run by other means into the report, with the pod log as evidence locator', async (t) => {
  const srv = await startKubeApiServer({
    token: 'tok',
    objects: [
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'kube-bench', namespace: 'security', labels: { app: 'kube-bench' } },
        spec: {},
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'kube-bench-x1', namespace: 'security', labels: { 'job-name': 'kube-bench' } },
        spec: { nodeName: 'worker-7', containers: [{ name: 'kube-bench', image: 'kb' }] },
        status: { phase: 'Succeeded' },
      },
    ],
  });
  t.teardown(() => srv.close());
  srv.setPodLog('security', 'kube-bench-x1', `I1101 starting\n${JSON.stringify(JSON.parse(NODE_JSON))}\n`);
  const dir = tempDir(t);
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(srv));
  const out = path.join(dir, 'out');
  const r = await runCli([
    'scan',
    '--kubeconfig',
    kubeconfig,
    '--kube-bench-job',
    'security/kube-bench',
    '--format',
    'json',
    '--out',
    out,
  ]);
  t.is(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as {
    runs: { source: string; status: string; notes: string[]; inputs: { path: string }[] }[];
    findings: { source: string; ruleId: string; status: string; resource?: { node?: string } }[];
  };
  const kb = report.runs.find((x) => x.source === 'kube-bench')!;
  t.is(kb.status, 'ok');
  t.deepEqual(
    kb.inputs.map((i) => i.path),
    ['/api/v1/namespaces/security/pods/kube-bench-x1/log'],
  );
  t.true(
    kb.notes.some((n) =>
      n.includes('read from Job security/kube-bench (pod kube-bench-x1), run outside kubeproof'),
    ),
  );
  const fails = report.findings.filter((f) => f.source === 'kube-bench' && f.status === 'fail');
  t.deepEqual(
    fails.map((f) => [f.ruleId, f.resource?.node]),
    [['4.1.5', 'worker-7']],
  );
  t.is(srv.writes.length, 0, 'reading Jobs run by other means writes nothing');
});
