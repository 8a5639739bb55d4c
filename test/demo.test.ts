import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ReportModel } from '../src/model/types.ts';
import { runCli } from './support/cli.ts';
import { golden } from './support/golden.ts';

let model: ReportModel;
let stdout = '';
let code = -1;
test.before(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-demo-'));
  const r = await runCli(['scan', '--demo', '--format', 'json', '--out', dir]);
  code = r.code;
  stdout = r.stdout;
  model = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as ReportModel;
  await rm(dir, { recursive: true, force: true });
});

test('the demo scan succeeds and names the cluster and the three nodes', (t) => {
  t.is(code, 0, stdout);
  t.is(model.cluster.name, 'demo-payments-prod');
  t.is(model.cluster.nodeCount, 3);
  t.regex(stdout, /pci-dss-4\.0\.1\s+280/);
});

test('demo: the worker-b text output is identified as cis-1.10 through the run, nothing is unmapped', (t) => {
  t.deepEqual(model.unmapped, []);
  const wb = model.findings.filter((f) => f.resource?.node === 'worker-b');
  t.true(wb.length > 20);
  t.true(wb.every((f) => f.ruleVariant === 'cis-1.10' && f.properties?.['identification'] === 'inferred'));
  t.true(
    model.runs
      .find((r) => r.source === 'kube-bench')!
      .notes.some((n) => /nodes disagree on 1 check\(s\): cis-1\.10 4\.2\.4/.test(n)),
  );
});

test('demo: audit logging is off, so PCI 10.2.1 and NIST AU-2 fail, with the failing findings first', (t) => {
  const pci = model.frameworks.find((f) => f.id === 'pci-dss-4.0.1')!;
  const c = pci.controls.find((x) => x.controlId === '10.2.1')!;
  t.is(c.status, 'fail');
  const first = model.findings.find((f) => f.id === c.findingIds[0])!;
  t.is(first.status, 'fail');
});

test('demo: honest statuses — no pass without a passing automated finding, WARN never a pass', (t) => {
  const byId = new Map(model.findings.map((f) => [f.id, f]));
  for (const fw of model.frameworks) {
    for (const c of fw.controls) {
      if (c.status === 'pass')
        t.true(
          c.findingIds.some((id) => byId.get(id)?.status === 'pass'),
          `${fw.id}/${c.controlId}`,
        );
      if (c.status === 'pass')
        t.false(c.findingIds.some((id) => ['fail', 'manual', 'error'].includes(byId.get(id)!.status)));
    }
  }
  for (const f of model.findings) if (f.nativeStatus === 'WARN') t.not(f.status, 'pass');
  t.true(
    model.findings.some((f) => f.nativeStatus === 'WARN' && f.status === 'error'),
    'the audit that could not run is an error',
  );
});

test('demo: every source ran and the planted secrets never reach the report', (t) => {
  t.deepEqual(
    model.runs.map((r) => [r.source, r.status]),
    [
      ['audit-log', 'ok'],
      ['kube-bench', 'ok'],
      ['rbac', 'ok'],
      ['workloads', 'ok'],
    ],
  );
  const text = JSON.stringify(model);
  for (const planted of [
    'demo-planted-value-never-shown',
    'cat%20%2Fetc%2Fdb%2Fpassword',
    'ZGVtby1ub3QtYS1yZWFsLXNlY3JldA==',
  ]) {
    t.false(text.includes(planted), planted);
  }
  t.true(model.findings.some((f) => f.ruleId === 'rbac.cluster-admin-binding' && f.status === 'fail'));
  t.true(model.findings.some((f) => f.ruleId === 'audit.cluster-admin-grants' && f.status === 'fail'));
});

test('demo HTML: the run notes (how each kube-bench input was identified) are in the report', async (t) => {
  const { mkdtemp, readFile: rf, rm: rmr } = await import('node:fs/promises');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-demo-html-'));
  t.teardown(() => rmr(dir, { recursive: true, force: true }));
  const r = await runCli(['scan', '--demo', '--format', 'json,html', '--out', dir]);
  t.is(r.code, 0, r.stderr);
  const html = await rf(path.join(dir, 'report.html'), 'utf8');
  t.regex(html, /Run notes/);
  t.regex(html, /inferred cis-1\.10 from the other inputs of this run/);
  t.false(html.includes('demo-planted-value-never-shown'));
});

test('demo: no failing check says it found what was expected (the messages read consistently)', (t) => {
  const fails = model.findings.filter((f) => f.status === 'fail');
  t.true(fails.length > 0);
  for (const f of fails)
    t.notRegex(f.message, /found as expected/, `${f.ruleId} on ${f.resource?.node ?? '?'}`);
});

test('golden: the demo report, assembled — every control status per framework and the finding counts per source', async (t) => {
  // The whole pipeline at once (sources, mappings, assessment): a change in any of them that moves a
  // control's status or a source's findings shows here as a reviewed diff (UPDATE_GOLDEN=1).
  const summary = {
    findings: Object.fromEntries(
      model.runs.map((r) => [
        r.source,
        Object.fromEntries(
          (['pass', 'fail', 'manual', 'info', 'error', 'skipped', 'waived'] as const).map((s) => [
            s,
            model.findings.filter((f) => f.source === r.source && f.status === s).length,
          ]),
        ),
      ]),
    ),
    frameworks: Object.fromEntries(
      model.frameworks.map((fw) => [
        fw.id,
        {
          counts: fw.summary.counts,
          automated: fw.summary.automated,
          controls: Object.fromEntries(
            fw.controls
              .filter((c) => c.status !== 'not-assessed' && c.status !== 'manual')
              .map((c) => [c.controlId, `${c.status} (${c.coverage}, ${c.findingIds.length} findings)`]),
          ),
        },
      ]),
    ),
  };
  await golden(t, 'demo/report-summary.json', summary);
});
