/**
 * `kubeproof scan` in the cluster, in process: the sources clusterJobSetup builds, run by runScan
 * against the Kubernetes API test server. What the report records about the Jobs, and the exit code.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema } from '../../src/config/schema.ts';
import { clusterJobSetup } from '../../src/jobs/index.ts';
import { loadMappings } from '../../src/mapping/load.ts';
import { runScan } from '../../src/run.ts';
import { memoryLogger } from '../../src/util/log.ts';
import { MINI_MAPPINGS } from '../support/model.ts';
import type { JobBehaviour } from '../support/kube-api-server.ts';
import { kubeBenchLog, nodeObject, serve } from './support.ts';

async function scanInCluster(
  t: Parameters<typeof serve>[0],
  nodes: Record<string, unknown>[],
  jobs: JobBehaviour,
) {
  const { srv, api } = await serve(t, { objects: nodes, jobs });
  const sa = mkdtempSync(path.join(tmpdir(), 'kubeproof-sa-'));
  t.teardown(() => rmSync(sa, { recursive: true, force: true }));
  writeFileSync(path.join(sa, 'token'), 'x');
  writeFileSync(path.join(sa, 'namespace'), 'kubeproof');
  const cfg = configSchema.parse({
    clusterName: 'prod',
    frameworks: ['pci-dss-4.0.1'],
    jobs: { timeoutSeconds: 1 },
  });
  const log = memoryLogger();
  const setup = clusterJobSetup(cfg, {
    log,
    env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' },
    api,
    runId: 'e2e',
    saDir: sa,
  })!;
  const result = await runScan(cfg, {
    now: () => new Date('2026-11-01T02:00:00Z'),
    log,
    toolVersion: '0.0.0-test',
    mappings: await loadMappings(MINI_MAPPINGS),
    sources: setup.sources,
    render: () => Promise.resolve({ artifacts: [], errors: [] }),
    writeLocal: () => Promise.resolve({ kind: 'file', target: 'memory', ok: true, artifacts: [] }),
  });
  return { srv, result, model: result.model };
}

test('detected in a pod: kube-bench Jobs on every node, results in the report, exit 0, nothing left behind', async (t) => {
  const { srv, result, model } = await scanInCluster(
    t,
    [nodeObject('cp-1', { controlPlane: true }), nodeObject('worker-1')],
    { log: kubeBenchLog },
  );
  t.is(result.exitCode, 0, JSON.stringify(result.problems));
  const run = model.runs.find((r) => r.source === 'kube-bench')!;
  t.is(run.status, 'ok');
  t.is(run.inputs.length, 2);
  t.true(run.notes.some((n) => n.includes('every Job was deleted afterwards')));
  t.deepEqual([...new Set(model.findings.map((f) => f.resource?.node))].sort(), ['cp-1', 'worker-1']);
  t.deepEqual(srv.objects('batch', 'jobs'), []);
});

test('a node whose Job never finishes: the source fails naming the node (exit 3), the Job is deleted', async (t) => {
  // the test server keeps every Job active for this many reads: with a 1 s timeout and real polling the Jobs time out
  const { srv, result, model } = await scanInCluster(t, [nodeObject('worker-1')], {
    activeForGets: 1_000_000,
    log: kubeBenchLog,
  });
  t.is(result.exitCode, 3);
  const run = model.runs.find((r) => r.source === 'kube-bench')!;
  t.is(run.status, 'failed');
  t.regex(
    run.error!.message,
    /kube-bench Job kubeproof-kb-e2e-0 on worker node worker-1: timed out after 1 s/,
  );
  t.true(result.problems.some((p) => p.message.includes('timed out')));
  t.deepEqual(srv.objects('batch', 'jobs'), []);
});
