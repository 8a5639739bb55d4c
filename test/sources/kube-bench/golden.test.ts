/**
 * Golden files: normalize hand-written fixtures and compare with committed JSON.
 * Update with UPDATE_GOLDEN=1 (then review the diff before committing).
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../support/shared.ts';
import { fixtureBundle, memReader, readFixture, run } from './_helpers.ts';

const GOLDEN = path.join(projectRoot, 'test/golden/kube-bench');

function golden(t: ExecutionContext, name: string, value: unknown): void {
  const file = path.join(GOLDEN, name);
  const actual = JSON.stringify(value, null, 2) + '\n';
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    t.log(`updated ${path.relative(projectRoot, file)}`);
  }
  t.true(existsSync(file), `${name} missing: run with UPDATE_GOLDEN=1`);
  t.deepEqual(JSON.parse(actual), JSON.parse(readFileSync(file, 'utf8')));
}

// Virtual paths keep absolute checkout paths out of the golden files.
const reader = memReader({
  'controls-object.json': readFixture('controls-object.json'),
  'multi-target.txt': readFixture('multi-target.txt'),
  'nodes/worker-1.json': readFixture('nodes/worker-1.json'),
  'nodes/worker-2.json': readFixture('nodes/worker-2.json'),
});

test('golden: JSON {Controls, Totals} with every WARN kind and a redacted secret', async (t) => {
  golden(t, 'controls-object.json', await run(['cp-1=controls-object.json'], fixtureBundle(), reader));
});

test('golden: text with several targets, benchmark inferred', async (t) => {
  golden(t, 'multi-target.json', await run(['cp-1=multi-target.txt'], fixtureBundle(), reader));
});

test('golden: directory of per-node files with disagreeing nodes', async (t) => {
  golden(t, 'nodes.json', await run(['nodes'], fixtureBundle(), reader));
});
