import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { kubescapeJobSource } from '../../src/jobs/kubescape-source.ts';
import { loadMappings } from '../../src/mapping/load.ts';
import { memoryLogger } from '../../src/util/log.ts';
import { ROOT } from '../support/cli.ts';
import { serve } from './support.ts';

const V2 = readFileSync(path.join(ROOT, 'test/fixtures/kubescape/v2-cluster.json'), 'utf8');

test('Kubescape Job: results read from the pod log and parsed like --kubescape files; the Job is deleted', async (t) => {
  const { srv, api } = await serve(t, { jobs: { log: `Scanning cluster…\n${V2}\n` } });
  const cfg = await loadConfig({ flags: { 'jobs.kubescape.enabled': true } });
  const src = kubescapeJobSource(cfg, {
    api,
    namespace: 'kubeproof',
    runId: 'r1',
    log: memoryLogger(),
    pollMs: 5,
  });
  const ctx = {
    now: () => new Date('2026-11-23T00:00:00Z'),
    log: memoryLogger(),
    mappings: await loadMappings(),
  };
  const out = src.normalize(await src.read(ctx), ctx);
  t.true(out.findings.length > 0);
  t.true(out.findings.every((f) => f.source === 'kubescape'));
  t.regex(out.notes[0]!, /Kubescape ran as Job kubeproof\/kubeproof-ks-r1 .* the Job was deleted/);
  t.deepEqual(srv.objects('batch', 'jobs'), []);
});

test('Kubescape Job that fails: the source fails with the reason, and the Job is still deleted', async (t) => {
  const { srv, api } = await serve(t, { jobs: { outcome: 'failed', log: 'error: cannot reach the API\n' } });
  const cfg = await loadConfig({ flags: { 'jobs.kubescape.enabled': true } });
  const src = kubescapeJobSource(cfg, {
    api,
    namespace: 'kubeproof',
    runId: 'r2',
    log: memoryLogger(),
    pollMs: 5,
  });
  const ctx = {
    now: () => new Date('2026-11-23T00:00:00Z'),
    log: memoryLogger(),
    mappings: await loadMappings(),
  };
  const err = await t.throwsAsync(src.read(ctx));
  t.regex(err.message, /the Kubescape Job kubeproof\/kubeproof-ks-r2 failed/);
  t.deepEqual(srv.objects('batch', 'jobs'), []);
});
