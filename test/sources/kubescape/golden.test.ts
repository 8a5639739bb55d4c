/**
 * Golden files of the whole normalized output (findings, evidence, notes, stats) for the hand-written
 * fixtures: any change in what a report would show is a reviewed diff. UPDATE_GOLDEN=1 rewrites them.
 */
import test from 'ava';
import path from 'node:path';
import { golden } from '../../support/golden.ts';
import { projectRoot } from '../../support/shared.ts';
import { fixture, run } from './_helpers.ts';

for (const name of ['v2-cluster', 'v1-framework', 'v1-list']) {
  test(`golden: ${name}`, async (t) => {
    // A path relative to the project root: evidence ids hash the path, and checkouts differ in location.
    const out = await run([path.relative(projectRoot, fixture(`${name}.json`))]);
    await golden(t, `kubescape/${name}.json`, out);
  });
}
