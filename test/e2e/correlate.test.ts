import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIT_RULES } from '../../src/sources/audit-log/index.ts';
import type { ReportModel } from '../../src/model/types.ts';
import { runCli } from '../support/cli.ts';

const fx = (p: string): string => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));

test('audit log and RBAC in one run: unused and exercised grants are correlated into audit-log findings', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-corr-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const r = await runCli([
    'scan',
    '--no-cluster',
    '--audit-log',
    fx('audit-log/risky.jsonl'),
    '--snapshot',
    fx('rbac/violations.yaml'),
    '--kube-bench',
    fx('kube-bench/controls-object.json'),
    '--format',
    'json',
    '--out',
    dir,
  ]);
  t.true(r.code === 0 || r.code === 3, r.stderr);
  const model = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as ReportModel;
  const audit = model.runs.find((x) => x.source === 'audit-log')!;
  t.true(audit.notes.some((n) => /findings from correlating/.test(n)));
  const ids = new Set(model.findings.filter((f) => f.source === 'audit-log').map((f) => f.ruleId));
  t.true(ids.has(AUDIT_RULES.unusedGrants) || ids.has(AUDIT_RULES.riskyGrantsUsed));
  // every finding's evidence exists (traceability holds for correlated findings too)
  const ev = new Set(model.evidence.map((e) => e.id));
  for (const f of model.findings) for (const e of f.evidenceIds) t.true(ev.has(e), `${f.id} → ${e}`);
  // derived evidence names the inputs it was computed from; a correlation those of both sources
  const inputs = new Set(model.runs.flatMap((x) => x.inputs.map((i) => i.path)));
  const derived = model.evidence.filter((e) => e.kind === 'derived');
  t.true(derived.length > 0);
  for (const e of derived) {
    t.true((e.locator.inputs ?? []).length > 0, e.id);
    for (const i of e.locator.inputs ?? []) t.true(inputs.has(i), `${e.id}: ${i}`);
  }
  const correlated = model.findings.find(
    (f) => f.ruleId === AUDIT_RULES.unusedGrants || f.ruleId === AUDIT_RULES.riskyGrantsUsed,
  )!;
  const corrEv = model.evidence.find((e) => e.id === correlated.evidenceIds[0])!;
  t.true(corrEv.locator.inputs!.includes(fx('audit-log/risky.jsonl')), JSON.stringify(corrEv.locator));
  t.true(
    corrEv.locator.inputs!.some((i) => i.startsWith('/apis/rbac.authorization.k8s.io/')),
    JSON.stringify(corrEv.locator),
  );
  // ... and only those: not the kube-bench file nor the workloads lists, each path once
  const fromSources = new Set(
    model.runs
      .filter((x) => x.source === 'audit-log' || x.source === 'rbac')
      .flatMap((x) => x.inputs.map((i) => i.path)),
  );
  for (const i of corrEv.locator.inputs!) t.true(fromSources.has(i), `correlation names ${i}`);
  t.false(corrEv.locator.inputs!.includes(fx('kube-bench/controls-object.json')));
  t.false(corrEv.locator.inputs!.includes('/api/v1/pods'));
  t.is(new Set(corrEv.locator.inputs).size, corrEv.locator.inputs!.length);
});
