/** End to end: bin/kubeproof scan --kubescape FILE --format json. */
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../support/cli.ts';
import { fixture } from './_helpers.ts';

test('scan --no-cluster --kubescape FILE --format json: findings, run record and a control status', async (t) => {
  const out = mkdtempSync(path.join(tmpdir(), 'kubeproof-ks-'));
  const r = await runCli([
    'scan',
    '--no-cluster',
    '--kubescape',
    fixture('v2-cluster.json'),
    '--format',
    'json',
    '--out',
    out,
  ]);
  t.true([0, 3].includes(r.code), r.stderr);
  const file = readdirSync(out).find((f) => f.endsWith('.json') && f.includes('report'));
  t.truthy(file, readdirSync(out).join(', '));
  const model = JSON.parse(readFileSync(path.join(out, file as string), 'utf8')) as {
    cluster: { name: string; nameSource: string };
    runs: { source: string; status: string; toolVersion?: string }[];
    findings: { ruleId: string; status: string }[];
    frameworks: { id: string; controls: { controlId: string; status: string; findingIds: string[] }[] }[];
  };
  const run = model.runs.find((x) => x.source === 'kubescape');
  t.is(run?.status, 'ok');
  t.is(run?.toolVersion, 'v3.0.9');
  t.is(model.cluster.name, 'prod-eu-1');
  t.true(model.findings.some((f) => f.ruleId === 'C-0057' && f.status === 'fail'));
  // C-0057 (privileged container) fails, so NIST AC-6 — linked from k8s.workload.privileged-disallowed — fails.
  const nist = model.frameworks.find((f) => f.id === 'nist-800-53-r5');
  const ac6 = nist?.controls.find((c) => c.controlId === 'AC-6');
  t.is(ac6?.status, 'fail');
});
