import test from 'ava';
import { diffReports, diffText } from '../../src/report/diff.ts';
import { golden } from '../support/golden.ts';
import { kbFinding, miniReport } from '../support/model.ts';
import { runCli } from '../support/cli.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

async function pair() {
  const old = await miniReport(
    [
      kbFinding('1.2.1', 'fail', 'cp-1'),
      kbFinding('1.2.16', 'pass', 'cp-1'),
      kbFinding('1.2.17', 'fail', 'cp-1'),
    ],
    '2026-11-22T02:00:00Z',
  );
  const neu = await miniReport(
    [
      kbFinding('1.2.1', 'pass', 'cp-1'),
      kbFinding('1.2.16', 'fail', 'cp-1'),
      kbFinding('1.2.17', 'fail', 'cp-1'),
    ],
    '2026-11-23T02:00:00Z',
  );
  return { old, neu };
}

test('diff finds new failures, resolved failures and control status changes (golden)', async (t) => {
  const { old, neu } = await pair();
  const d = diffReports(old, neu);
  t.deepEqual(
    d.newFailures.map((f) => f.ruleId),
    ['1.2.16'],
  );
  t.deepEqual(
    d.resolvedFailures.map((f) => f.ruleId),
    ['1.2.1'],
  );
  t.true(
    d.controlChanges.some(
      (c) =>
        c.framework === 'nist-800-53-r5' && c.controlId === 'AC-14' && c.from === 'fail' && c.to === 'pass',
    ),
  );
  await golden(t, 'diff/mini.json', d);
  await golden(t, 'diff/mini.txt', diffText(d));
});

test('a report diffed with itself has no changes', async (t) => {
  const { old } = await pair();
  const d = diffReports(old, old);
  t.is(d.newFailures.length + d.resolvedFailures.length + d.controlChanges.length, 0);
});

test('kubeproof diff prints text and JSON', async (t) => {
  const { old, neu } = await pair();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-diff-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'a.json'), JSON.stringify(old));
  await writeFile(path.join(dir, 'b.json'), JSON.stringify(neu));
  const text = await runCli(['diff', path.join(dir, 'a.json'), path.join(dir, 'b.json')]);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /New failures \(1\)/);
  const json = await runCli(['diff', path.join(dir, 'a.json'), path.join(dir, 'b.json'), '-o', 'json']);
  t.is((JSON.parse(json.stdout) as { newFailures: unknown[] }).newFailures.length, 1);
});
