/** The kube-bench source fed by Jobs, end to end against the test API server; in-cluster detection. */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema } from '../../src/config/schema.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { SourceError } from '../../src/errors.ts';
import { clusterJobSetup, inClusterMode, jobNamespace } from '../../src/jobs/index.ts';
import { kubeBenchJobsSource, podLogPath } from '../../src/jobs/source.ts';
import type { SourceContext } from '../../src/sources/types.ts';
import { memoryLogger } from '../../src/util/log.ts';
import { stubBundle } from '../support/mapping-stub.ts';
import { fakeClock, kubeBenchLog, nodeObject, serve } from './support.ts';

const cfgOf = (input: ConfigInput = {}) => configSchema.parse({ cluster: { inCluster: true }, ...input });
const ctx = (): SourceContext => ({
  now: () => new Date('2026-11-01T02:00:00Z'),
  log: memoryLogger(),
  mappings: stubBundle(),
});

function saDir(t: { teardown(fn: () => void): void }, namespace?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeproof-sa-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'token'), 'not-a-real-token');
  writeFileSync(path.join(dir, 'ca.crt'), '');
  if (namespace) writeFileSync(path.join(dir, 'namespace'), `${namespace}\n`);
  return dir;
}

test("findings from every node's Job, evidence located at the pod log, notes on what ran", async (t) => {
  const { srv, api } = await serve(t, {
    objects: [nodeObject('cp-1', { controlPlane: true }), nodeObject('worker-1')],
    jobs: { activeForGets: 1, log: kubeBenchLog },
  });
  const source = kubeBenchJobsSource(cfgOf(), {
    api,
    namespace: 'kubeproof',
    runJobs: true,
    runId: 'r2',
    log: memoryLogger(),
    clock: fakeClock(),
    progress: () => ({ tick: () => {}, done: () => {} }),
  });
  const c = ctx();
  const out = source.normalize(await source.read(c), c);
  t.is(out.partialError, undefined);
  const byNode = new Map<string, string[]>();
  for (const f of out.findings)
    byNode.set(f.resource!.node!, [...(byNode.get(f.resource!.node!) ?? []), `${f.ruleId}:${f.status}`]);
  t.deepEqual(byNode.get('cp-1'), ['1.2.1:pass']);
  t.deepEqual(byNode.get('worker-1')!.sort(), ['4.1.1:pass', '4.1.5:fail', '4.2.1:manual']);
  const paths = out.inputs.map((i) => i.path).sort();
  t.is(paths.length, 2);
  for (const p of paths) t.regex(p, /^\/api\/v1\/namespaces\/kubeproof\/pods\/kubeproof-kb-r2-\d-\w+\/log$/);
  t.true(out.evidence.every((e) => paths.some((p) => JSON.stringify(e.locator).includes(p))));
  t.true(
    out.notes.some((n) =>
      n.startsWith(
        'kube-bench ran as Jobs in namespace kubeproof on 2 node(s) (1 control-plane, 1 worker); 2 produced output; every Job was deleted afterwards',
      ),
    ),
  );
  t.deepEqual(srv.objects('batch', 'jobs'), []);
});

test('a managed control plane is stated; a timed-out node makes the run partial, not failed', async (t) => {
  let n = 0;
  const { api } = await serve(t, {
    objects: [nodeObject('worker-1'), nodeObject('worker-2')],
    jobs: { log: kubeBenchLog },
  });
  // worker-2's Job never finishes: wrap readJob to keep it active
  const slow = {
    ...api,
    readJob: async (ns: string, name: string) => {
      const s = await api.readJob(ns, name);
      n++;
      return s && name.endsWith('-1') ? { ...s, finished: undefined, active: 1 } : s;
    },
  };
  const cfg = cfgOf({ jobs: { timeoutSeconds: 30 } });
  const source = kubeBenchJobsSource(cfg, {
    api: slow,
    namespace: 'kubeproof',
    runJobs: true,
    runId: 'r3',
    log: memoryLogger(),
    clock: fakeClock(),
    progress: () => ({ tick: () => {}, done: () => {} }),
  });
  const c = ctx();
  const out = source.normalize(await source.read(c), c);
  t.true(n > 2);
  t.true(out.notes.some((x) => x.includes('no control-plane node is visible (a managed control plane')));
  t.is(out.partialError?.code, 'kube-bench-jobs');
  t.regex(
    out.partialError!.message,
    /kube-bench Job kubeproof-kb-r3-1 on worker node worker-2: timed out after 30 s/,
  );
  t.deepEqual([...new Set(out.findings.map((f) => f.resource!.node))], ['worker-1']);
});

test('no output at all: the source fails (exit 3) with every reason', async (t) => {
  const { srv, api } = await serve(t, { objects: [nodeObject('worker-1')] });
  srv.deny({ verb: 'create', resource: 'jobs' });
  const source = kubeBenchJobsSource(cfgOf(), {
    api,
    namespace: 'kubeproof',
    runJobs: true,
    runId: 'r4',
    log: memoryLogger(),
    clock: fakeClock(),
    progress: () => ({ tick: () => {}, done: () => {} }),
  });
  const c = ctx();
  const raw = await source.read(c);
  const err = t.throws(() => source.normalize(raw, c), { instanceOf: SourceError });
  t.is(err.code, 'kube-bench-jobs');
  t.regex(
    err.message,
    /no kube-bench output was collected: kube-bench Job kubeproof-kb-r4-0 on worker node worker-1: 403 Forbidden/,
  );
});

test("in-cluster mode: the flag, or a pod's service account without kubeconfig; namespace from the service account", (t) => {
  const sa = saDir(t, 'compliance');
  const env = { KUBERNETES_SERVICE_HOST: '10.0.0.1' };
  t.true(inClusterMode(configSchema.parse({ cluster: { inCluster: true } }), {}, sa));
  t.true(inClusterMode(configSchema.parse({}), env, sa));
  t.false(inClusterMode(configSchema.parse({}), {}, sa), 'no KUBERNETES_SERVICE_HOST');
  t.false(
    inClusterMode(configSchema.parse({ cluster: { context: 'prod' } }), env, sa),
    'an explicit context wins',
  );
  t.false(inClusterMode(configSchema.parse({ cluster: { enabled: false } }), env, sa), '--no-cluster');
  t.false(inClusterMode(configSchema.parse({}), env, path.join(sa, 'missing')), 'no token');
  t.is(jobNamespace(configSchema.parse({}), sa), 'compliance');
  t.is(jobNamespace(configSchema.parse({ jobs: { namespace: 'other' } }), sa), 'other');
  t.is(jobNamespace(configSchema.parse({}), path.join(sa, 'missing')), 'kubeproof');
});

test('clusterJobSetup: nothing outside the cluster; in it, the kube-bench source (files included) and the Kubescape Job source', async (t) => {
  const { api } = await serve(t, {});
  const log = memoryLogger();
  t.is(clusterJobSetup(configSchema.parse({}), { log, env: {}, api }), undefined);
  const setup = clusterJobSetup(cfgOf({ jobs: { kubescape: { enabled: true } } }), {
    log,
    env: {},
    api,
    saDir: saDir(t, 'kp'),
  })!;
  t.deepEqual(
    setup.sources.map((s) => s.id),
    ['kubescape', 'kube-bench'],
  );
  const withFiles = clusterJobSetup(
    cfgOf({ jobs: { kubescape: { enabled: true } }, inputs: { kubescape: ['ks.json'] } }),
    { log, env: {}, api, saDir: saDir(t, 'kp') },
  )!;
  t.deepEqual(
    withFiles.sources.map((s) => s.id),
    ['kube-bench'],
  );
  t.true(
    withFiles.notes.some((n) => n.includes('--kubescape-job ignored: Kubescape result files were given')),
  );
  const existingOnly = clusterJobSetup(
    configSchema.parse({ jobs: { kubeBench: { existing: ['app=kube-bench'] } } }),
    { log, env: {}, api },
  );
  t.is(existingOnly?.sources.length, 1);
});

test('pod log locator', (t) => {
  t.is(podLogPath('kp', 'kb-1'), '/api/v1/namespaces/kp/pods/kb-1/log');
});
