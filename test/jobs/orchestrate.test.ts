/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- Job manifests are free-form objects; these tests assert their shape field by field */
/** Job orchestration against the Kubernetes API test server, through the real client (client-node). */
import test from 'ava';
import { extractJson } from '../../src/jobs/logs.ts';
import { readExistingJobs, runKubeBenchJobs, runKubescapeJob } from '../../src/jobs/orchestrate.ts';
import type { KubeBenchJobsOptions } from '../../src/jobs/orchestrate.ts';
import { DEFAULT_TEMPLATES, loadJobTemplate } from '../../src/jobs/template.ts';
import { memoryLogger } from '../../src/util/log.ts';
import { fakeClock, kubeBenchLog, nodeObject, NODE_JSON, serve, spy } from './support.ts';

const template = await loadJobTemplate(DEFAULT_TEMPLATES.kubeBench);
const NODES = [nodeObject('cp-1', { controlPlane: true }), nodeObject('worker-1'), nodeObject('worker-2')];

function options(over: Partial<KubeBenchJobsOptions> = {}): KubeBenchJobsOptions {
  return {
    namespace: 'kubeproof',
    timeoutMs: 60_000,
    pollMs: 2000,
    log: memoryLogger(),
    clock: fakeClock(),
    runId: 'r1',
    template,
    parallelism: 2,
    controlPlane: 'auto',
    workerNodes: 'all',
    seed: '2026-11-01',
    ...over,
  };
}

test('one Job per node, pinned and labelled; logs read; every Job and pod deleted; only Jobs written', async (t) => {
  const { srv, api } = await serve(t, { objects: NODES, jobs: { activeForGets: 2, log: kubeBenchLog } });
  const s = spy(api);
  const { plan, outcomes } = await runKubeBenchJobs(s, options());
  t.deepEqual(
    plan.targets.map((x) => `${x.role}:${x.node}`),
    ['control-plane:cp-1', 'worker:worker-1', 'worker:worker-2'],
  );
  t.deepEqual(
    outcomes.map((o) => [o.job, o.node, o.status, o.cleanedUp]),
    [
      ['kubeproof-kb-r1-0', 'cp-1', 'ok', true],
      ['kubeproof-kb-r1-1', 'worker-1', 'ok', true],
      ['kubeproof-kb-r1-2', 'worker-2', 'ok', true],
    ],
  );
  t.true(outcomes[1]!.log!.includes('"test_number":"4.1.5"'));
  t.true(outcomes[0]!.log!.includes('"node_type":"master"'));
  // the Jobs as sent
  for (const [i, body] of s.created.entries()) {
    const pod = body['spec'].template.spec;
    t.true(pod.hostPID);
    t.deepEqual(
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
        .matchFields[0].values,
      [plan.targets[i]!.node],
    );
    t.is(body['metadata'].labels['kubeproof.dev/run'], 'r1');
  }
  // cleanup: nothing left, deletes used Background propagation, no write other than Jobs
  t.deepEqual(srv.objects('batch', 'jobs'), []);
  t.deepEqual(srv.objects('', 'pods'), []);
  const writes = srv.writes.map((w) => `${w.method} ${w.path}`);
  t.is(writes.filter((w) => w.startsWith('POST /apis/batch/v1/namespaces/kubeproof/jobs')).length, 3);
  t.is(writes.filter((w) => w.startsWith('DELETE /apis/batch/v1/namespaces/kubeproof/jobs/')).length, 3);
  t.is(writes.length, 6);
  for (const w of srv.writes.filter((x) => x.method === 'DELETE'))
    t.is(w.query['propagationPolicy'], 'Background');
  // pod logs were read through pods/log
  t.is(srv.requests.filter((r) => r.path.endsWith('/log')).length, 3);
});

test('a failed Job is reported (reason, pod phase) and deleted', async (t) => {
  const { srv, api } = await serve(t, {
    objects: [nodeObject('worker-1')],
    jobs: { outcome: 'failed', log: 'Error: cannot find kubelet\n' },
  });
  const { outcomes } = await runKubeBenchJobs(api, options());
  t.is(outcomes.length, 1);
  t.like(outcomes[0], { status: 'failed', cleanedUp: true, node: 'worker-1' });
  t.regex(
    outcomes[0]!.message!,
    /the Job failed \(BackoffLimitExceeded\); pod kubeproof-kb-r1-0-\w+ is Failed/,
  );
  t.false(outcomes[0]!.message!.includes('cannot find kubelet'), 'log text never goes into messages');
  t.deepEqual(srv.objects('batch', 'jobs'), []);
});

test('timeout: the Job is polled until the deadline, then deleted; the message says why it may hang', async (t) => {
  const { srv, api } = await serve(t, {
    objects: [nodeObject('worker-1')],
    jobs: { activeForGets: 1_000_000, log: NODE_JSON },
  });
  const clock = fakeClock();
  const { outcomes } = await runKubeBenchJobs(api, options({ clock, timeoutMs: 10_000, pollMs: 2000 }));
  t.like(outcomes[0], { status: 'timeout', cleanedUp: true });
  t.regex(outcomes[0]!.message!, /^timed out after 10 s: pod kubeproof-kb-r1-0-\w+ is /);
  t.is(clock.sleeps, 5);
  t.deepEqual(srv.objects('batch', 'jobs'), []);
  t.is(srv.writes.filter((w) => w.method === 'DELETE').length, 1);
});

test('abort (SIGTERM during a run): waiting stops and the Job is deleted', async (t) => {
  const { srv, api } = await serve(t, {
    objects: [nodeObject('worker-1')],
    jobs: { activeForGets: 1_000_000 },
  });
  const controller = new AbortController();
  const clock = fakeClock();
  const sleep = clock.sleep.bind(clock);
  clock.sleep = (ms) => {
    if (clock.sleeps === 2) controller.abort();
    return sleep(ms);
  };
  const { outcomes } = await runKubeBenchJobs(api, options({ clock, signal: controller.signal }));
  t.like(outcomes[0], { status: 'aborted', cleanedUp: true });
  t.deepEqual(srv.objects('batch', 'jobs'), []);
});

test('403 creating Jobs: no Job left, the message names the permission and deploy/base/role.yaml', async (t) => {
  const { srv, api } = await serve(t, { objects: [nodeObject('worker-1')] });
  srv.deny({ verb: 'create', resource: 'jobs' });
  const { outcomes } = await runKubeBenchJobs(api, options());
  t.like(outcomes[0], { status: 'error', cleanedUp: true });
  t.regex(
    outcomes[0]!.message!,
    /403 Forbidden: cannot create jobs in namespace "kubeproof": missing permission "create" on "jobs".*deploy\/base\/role\.yaml/,
  );
  t.deepEqual(srv.objects('batch', 'jobs'), []);
});

test('a Job that cannot be deleted is reported, not hidden', async (t) => {
  const { srv, api } = await serve(t, { objects: [nodeObject('worker-1')], jobs: { log: NODE_JSON } });
  srv.deny({ verb: 'delete', resource: 'jobs' });
  const log = memoryLogger();
  const { outcomes } = await runKubeBenchJobs(api, options({ log }));
  t.like(outcomes[0], { status: 'ok', cleanedUp: false });
  t.true(
    log.lines.some(
      (l) =>
        l.includes('could not delete Job kubeproof/kubeproof-kb-r1-0') &&
        l.includes('ttlSecondsAfterFinished'),
    ),
  );
  t.is(srv.objects('batch', 'jobs').length, 1);
});

test('403 listing nodes fails the whole step with the ClusterRole named', async (t) => {
  const { srv, api } = await serve(t, { objects: NODES });
  srv.deny({ verb: 'list', resource: 'nodes' });
  await t.throwsAsync(runKubeBenchJobs(api, options()), {
    message: /cannot list nodes.*deploy\/base\/clusterrole\.yaml/,
  });
  t.is(srv.writes.length, 0);
});

test('Jobs run by other means: read by name or selector, one output per node, nothing written', async (t) => {
  const job = (name: string, app: string) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'kubeproof', labels: { app } },
    spec: {},
  });
  const pod = (name: string, jobName: string, nodeName: string, phase: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'kubeproof', labels: { 'job-name': jobName } },
    spec: { nodeName, containers: [{ name: 'kube-bench', image: 'kb' }] },
    status: { phase },
  });
  const { srv, api } = await serve(t, {
    objects: [
      job('kube-bench-node', 'kube-bench'),
      job('kube-bench-master', 'kube-bench'),
      job('other', 'x'),
      pod('kbn-1', 'kube-bench-node', 'worker-1', 'Succeeded'),
      pod('kbn-2', 'kube-bench-node', 'worker-1', 'Succeeded'),
      pod('kbm-1', 'kube-bench-master', 'cp-1', 'Failed'),
    ],
  });
  srv.setPodLog('kubeproof', 'kbn-1', NODE_JSON);
  const byName = await readExistingJobs(api, ['kube-bench-node'], 'kubeproof');
  t.deepEqual(
    byName.outputs.map((o) => [o.job, o.pod, o.node]),
    [['kube-bench-node', 'kbn-1', 'worker-1']],
  );
  t.is(byName.outputs[0]!.log, NODE_JSON);
  const bySelector = await readExistingJobs(api, ['app=kube-bench', 'missing'], 'kubeproof');
  t.deepEqual(
    bySelector.outputs.map((o) => o.job),
    ['kube-bench-node'],
  );
  t.deepEqual(bySelector.problems, [
    '--kube-bench-job app=kube-bench: Job kubeproof/kube-bench-master has no succeeded pod (still running, failed or cleaned up)',
    '--kube-bench-job missing: no Job named "missing" in namespace "kubeproof"',
  ]);
  t.is(srv.writes.length, 0);
});

test("Kubescape Job: one Job with kubeproof's service account; its JSON read from the log; deleted", async (t) => {
  const ksTemplate = await loadJobTemplate(DEFAULT_TEMPLATES.kubescape);
  const { srv, api } = await serve(t, { jobs: { log: 'Scanning cluster…\n{\n  "summaryDetails": {}\n}\n' } });
  const s = spy(api);
  const o = await runKubescapeJob(s, {
    namespace: 'kubeproof',
    timeoutMs: 60_000,
    log: memoryLogger(),
    clock: fakeClock(),
    runId: 'r9',
    template: ksTemplate,
    serviceAccount: 'kp-sa',
  });
  t.like(o, { job: 'kubeproof-ks-r9', role: 'kubescape', status: 'ok', cleanedUp: true });
  t.is(extractJson(o.log!), '{\n  "summaryDetails": {}\n}');
  t.is(s.created[0]!['spec'].template.spec.serviceAccountName, 'kp-sa');
  t.deepEqual(srv.objects('batch', 'jobs'), []);
});
