import test from 'ava';
import path from 'node:path';
import { nodeFromFilename, parseInputSpec } from '../../../src/sources/kube-bench/read.ts';
import { byRule, fixture, fixtureBundle, memReader, readFixture, run } from './_helpers.ts';

test('input specs: NODE=PATH, plain paths, paths with = and stdin', (t) => {
  t.deepEqual(parseInputSpec('worker-1=/tmp/kb.json'), { path: '/tmp/kb.json', node: 'worker-1' });
  t.deepEqual(parseInputSpec('ip-10-0-1-5.ec2.internal=-'), { path: '-', node: 'ip-10-0-1-5.ec2.internal' });
  t.deepEqual(parseInputSpec('/tmp/kb.json'), { path: '/tmp/kb.json' });
  t.deepEqual(parseInputSpec('./a=b.json'), { path: './a=b.json' });
  t.deepEqual(parseInputSpec('Worker_1=x.json'), { path: 'Worker_1=x.json' });
  t.deepEqual(parseInputSpec('-'), { path: '-' });
});

test('node names from file names', (t) => {
  t.is(nodeFromFilename('/out/kube-bench-worker-1.json', false), 'worker-1');
  t.is(nodeFromFilename('kube-bench_ip-10-0-1-5.ec2.internal.txt', false), 'ip-10-0-1-5.ec2.internal');
  t.is(nodeFromFilename('results.json', false), undefined);
  t.is(nodeFromFilename('nodes/worker-2.json', true), 'worker-2');
  t.is(nodeFromFilename('nodes/Worker 2.json', true), undefined);
});

test('a directory of per-node files merges into one run: one finding per (check, node), disagreements visible', async (t) => {
  const out = await run([fixture('nodes')], fixtureBundle());
  t.deepEqual(out.cluster, { nodes: ['worker-1', 'worker-2'] });
  t.is(out.findings.length, 4);
  t.deepEqual(
    out.inputs.map((i) => [path.basename(i.path), i.format]),
    [
      ['worker-1.json', 'kube-bench-json-controls'],
      ['worker-2.json', 'kube-bench-json-array'],
    ],
  );
  const w1 = byRule(out.findings, '4.2.1', 'worker-1');
  const w2 = byRule(out.findings, '4.2.1', 'worker-2');
  t.is(w1.status, 'pass');
  t.is(w2.status, 'fail');
  t.not(w1.id, w2.id);
  t.is(w1.properties?.['nodesDisagree'], true);
  t.is(w2.properties?.['nodeStatuses'], 'worker-1=pass, worker-2=fail');
  t.is(w1.properties?.['nodeSource'], 'filename');
  t.is(byRule(out.findings, '4.2.10', 'worker-1').properties?.['nodesDisagree'], undefined);
  t.true(out.notes.includes('nodes disagree on 1 check(s): cis-1.23 4.2.1 (worker-1=pass, worker-2=fail)'));
  // Stable order: by benchmark, check id (natural order), node.
  t.deepEqual(
    out.findings.map((f) => `${f.ruleId}@${f.resource?.name}`),
    ['4.2.1@worker-1', '4.2.1@worker-2', '4.2.10@worker-1', '4.2.10@worker-2'],
  );
});

test('explicit NODE=PATH and stdin; a file that names no node falls back to an unknown node named after it', async (t) => {
  const reader = memReader(
    { 'out/results.json': readFixture('nodes/worker-1.json') },
    readFixture('nodes/worker-2.json'),
  );
  const out = await run(['out/results.json', 'worker-2=-'], fixtureBundle(), reader);
  t.truthy(byRule(out.findings, '4.2.1', 'unknown (out/results.json)'));
  const fromStdin = byRule(out.findings, '4.2.1', 'worker-2');
  t.is(fromStdin.properties?.['nodeSource'], 'explicit');
  t.is(out.inputs[1]?.path, '-');
  t.deepEqual(out.cluster, { nodes: ['worker-2'] });
  t.true(out.notes.some((n) => n.startsWith('out/results.json: the node is unknown')));
  const anon = await run(['-'], fixtureBundle(), memReader({}, readFixture('nodes/worker-1.json')));
  t.is(anon.findings[0]?.resource?.name, 'unknown (stdin)');
  t.is(anon.cluster, undefined);
});

test('the same check twice on one node (two inputs for a node) keeps the worse result and all evidence', async (t) => {
  const reader = memReader({
    'a.json': readFixture('nodes/worker-1.json'),
    'b.json': readFixture('nodes/worker-2.json'),
  });
  const out = await run(['n1=a.json', 'n1=b.json'], fixtureBundle(), reader);
  t.is(out.findings.length, 2);
  const f = byRule(out.findings, '4.2.1', 'n1');
  t.is(f.status, 'fail');
  t.is(f.evidenceIds.length, 2);
  t.is(f.properties?.['duplicateResults'], 2);
  t.is(out.stats?.['duplicates'], 2);
  t.is(out.evidence.length, 4);
});

test('an unreadable input is recorded, not thrown, and the others are still used', async (t) => {
  const base = memReader({ 'ok.json': readFixture('nodes/worker-1.json') });
  const reader = {
    ...base,
    kind: (p: string) =>
      p === 'locked.json' ? Promise.reject(new Error('EACCES: permission denied')) : base.kind(p),
  };
  const out = await run(['n1=ok.json', 'locked.json'], fixtureBundle(), reader);
  t.is(out.findings.length, 2);
  t.is(
    out.partialError?.message,
    '1 of 2 kube-bench inputs could not be used: locked.json: cannot read: EACCES: permission denied',
  );
});
