/**
 * Runs scanner Jobs and collects their output. Contract, for every Job kubeproof creates:
 * - it is awaited until it completes, fails, times out (`timeoutMs`) or the run is aborted (`signal`);
 * - the log of its pod is read (when the pod ran) and returned with the node it ran on;
 * - it is deleted afterwards (propagationPolicy Background, so its pod goes too) in every case: success,
 *   failure, timeout, abort, or an error while reading; a failed delete is logged and reported.
 * Jobs run by other means (`--kube-bench-job`) are only read, never deleted.
 */
import { randomBytes } from 'node:crypto';
import { mapLimit } from '../kube/retry.ts';
import { sha256Hex } from '../util/hash.ts';
import type { Logger } from '../util/log.ts';
import type { JobApi, JobState, NodeInfo, PodState } from './api.ts';
import { kubeBenchJob, kubescapeJob } from './template.ts';
import type { JobTemplate, TargetRole } from './template.ts';

export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface RunOptions {
  namespace: string;
  timeoutMs: number;
  /** Interval between status reads (default 2 s). */
  pollMs?: number;
  signal?: AbortSignal | undefined;
  log: Logger;
  clock?: Clock;
  /** Called when a Job ends (progress display). */
  onDone?: (o: JobOutcome) => void;
}

export type JobStatus = 'ok' | 'failed' | 'timeout' | 'aborted' | 'error';

export interface JobOutcome {
  job: string;
  namespace: string;
  role: TargetRole;
  node?: string;
  status: JobStatus;
  pod?: string;
  /** The pod's log (only when it could be read). */
  log?: string;
  /** Why the Job did not produce output; never holds log text. */
  message?: string;
  durationMs: number;
  /** True once the Job was deleted (or was never created). */
  cleanedUp: boolean;
}

/** A short random run id for Job names and the run label (8 hex chars). */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

function describePod(p: PodState | undefined): string {
  if (!p) return 'no pod was created (quota, admission policy or Pod Security?)';
  if (p.waitingReason) return `pod ${p.name} is ${p.phase}: ${p.waitingReason}`;
  if (p.phase === 'Pending')
    return `pod ${p.name} is Pending (not scheduled: node taints, resources or the node pin?)`;
  return `pod ${p.name} is ${p.phase}`;
}

/** Picks the pod whose log to read: a succeeded one, else a failed one, else any. */
function pickPod(pods: PodState[]): PodState | undefined {
  return pods.find((p) => p.phase === 'Succeeded') ?? pods.find((p) => p.phase === 'Failed') ?? pods[0];
}

/** Creates one Job, waits for it, reads its pod's log, deletes it. Never throws. */
export async function runJob(
  api: JobApi,
  body: Record<string, unknown>,
  meta: { role: TargetRole; node?: string },
  opts: RunOptions,
): Promise<JobOutcome> {
  const clock = opts.clock ?? realClock;
  const ns = opts.namespace;
  const name = String((body['metadata'] as Record<string, unknown>)['name']);
  const started = clock.now().getTime();
  const base = { job: name, namespace: ns, role: meta.role, ...(meta.node ? { node: meta.node } : {}) };
  let created = false;
  let outcome: Omit<JobOutcome, 'durationMs' | 'cleanedUp'>;
  try {
    outcome = await (async (): Promise<Omit<JobOutcome, 'durationMs' | 'cleanedUp'>> => {
      if (opts.signal?.aborted)
        return { ...base, status: 'aborted', message: 'the run was aborted before the Job was created' };
      await api.createJob(ns, body);
      created = true;
      opts.log.debug(`created Job ${ns}/${name}`, {
        role: meta.role,
        ...(meta.node ? { node: meta.node } : {}),
      });
      const deadline = started + opts.timeoutMs;
      let finished: JobState['finished'];
      for (;;) {
        if (opts.signal?.aborted)
          return { ...base, status: 'aborted', message: 'the run was aborted while the Job ran' };
        const state = await api.readJob(ns, name);
        if (!state)
          return {
            ...base,
            status: 'error',
            message: 'the Job disappeared before it finished (deleted by someone else?)',
          };
        finished = state.finished;
        if (finished) break;
        if (clock.now().getTime() >= deadline) {
          const pod = pickPod(await api.listPods(ns, `job-name=${name}`));
          return {
            ...base,
            status: 'timeout',
            ...(pod ? { pod: pod.name } : {}),
            message: `timed out after ${Math.round(opts.timeoutMs / 1000)} s: ${describePod(pod)}`,
          };
        }
        await clock.sleep(opts.pollMs ?? 2000, opts.signal);
      }
      const pod = pickPod(await api.listPods(ns, `job-name=${name}`));
      if (!pod)
        return {
          ...base,
          status: 'error',
          message: 'the Job finished but its pod is gone (cannot read the output)',
        };
      const log = await api.readPodLog(ns, pod.name, pod.containers[0]);
      if (finished?.type === 'Failed') {
        return {
          ...base,
          status: 'failed',
          pod: pod.name,
          ...(log.trim() ? { log } : {}),
          message: `the Job failed (${finished.reason ?? 'Failed'}); ${describePod(pod)}`,
        };
      }
      if (log.trim() === '')
        return {
          ...base,
          status: 'error',
          pod: pod.name,
          message: `the Job completed but pod ${pod.name} wrote no output`,
        };
      return { ...base, status: 'ok', pod: pod.name, log };
    })();
  } catch (err) {
    outcome = { ...base, status: 'error', message: (err as Error).message };
  }
  let cleanedUp = !created;
  if (created) {
    try {
      await api.deleteJob(ns, name);
      cleanedUp = true;
      opts.log.debug(`deleted Job ${ns}/${name}`);
    } catch (err) {
      opts.log.warn(
        `could not delete Job ${ns}/${name}: ${(err as Error).message}; its ttlSecondsAfterFinished removes it later`,
      );
    }
  }
  const result: JobOutcome = { ...outcome, durationMs: clock.now().getTime() - started, cleanedUp };
  opts.onDone?.(result);
  return result;
}

export interface KubeBenchPlanOptions {
  controlPlane: 'auto' | 'always' | 'never';
  workerNodes: 'all' | number;
  /** Seed of the worker sample (default: the run's date, so the sample rotates daily and is reproducible). */
  seed: string;
}

export interface PlannedTarget {
  node: string;
  role: 'control-plane' | 'worker';
  /** kube-bench --targets; undefined lets kube-bench detect the node's components. */
  targets?: string[];
}

export interface KubeBenchPlan {
  targets: PlannedTarget[];
  controlPlaneScanned: boolean;
  notes: string[];
  /** Conditions that make the run partial (e.g. `always` without a visible control plane). */
  problems: string[];
}

const byName = (a: NodeInfo, b: NodeInfo): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Which nodes get a kube-bench Job, and with which targets. Pure. */
export function planKubeBench(nodes: NodeInfo[], opts: KubeBenchPlanOptions): KubeBenchPlan {
  const notes: string[] = [];
  const problems: string[] = [];
  const skipped = nodes.filter((n) => !n.ready || n.unschedulable).sort(byName);
  if (skipped.length > 0) {
    notes.push(
      `kube-bench: ${skipped.length} node(s) not scanned because they are not Ready or are cordoned: ${skipped.map((n) => n.name).join(', ')}`,
    );
  }
  const eligible = nodes.filter((n) => n.ready && !n.unschedulable);
  const cps = eligible.filter((n) => n.controlPlane).sort(byName);
  const workers = eligible.filter((n) => !n.controlPlane).sort(byName);
  let scanCp = cps.length > 0;
  if (opts.controlPlane === 'never') {
    scanCp = false;
    notes.push(
      'kube-bench: control-plane nodes were not scanned (--kube-bench-control-plane never); control-plane checks are not assessed by this run',
    );
  } else if (cps.length === 0) {
    const all = nodes.some((n) => n.controlPlane);
    const text = all
      ? 'kube-bench: no schedulable control-plane node is Ready: control-plane checks were not run'
      : 'kube-bench: no control-plane node is visible (a managed control plane such as EKS, GKE or AKS): only worker nodes were scanned; control-plane checks are not assessed by this run';
    if (opts.controlPlane === 'always') problems.push(`${text} (--kube-bench-control-plane always)`);
    else notes.push(text);
  }
  let chosen = workers;
  if (opts.workerNodes !== 'all' && opts.workerNodes < workers.length) {
    const key = (n: NodeInfo): string => sha256Hex(`${opts.seed}\u0000${n.name}`);
    chosen = [...workers]
      .sort((a, b) => (key(a) < key(b) ? -1 : 1))
      .slice(0, opts.workerNodes)
      .sort(byName);
    notes.push(
      `kube-bench: sampled ${chosen.length} of ${workers.length} worker nodes: ${chosen.map((n) => n.name).join(', ')}`,
    );
  }
  if (workers.length === 0 && !scanCp) problems.push('kube-bench: no node to scan');
  const targets: PlannedTarget[] = [];
  if (scanCp) for (const n of cps) targets.push({ node: n.name, role: 'control-plane' });
  chosen.forEach((n, i) => {
    // cluster-wide policy checks run once: with the control plane, else on the first worker
    targets.push({
      node: n.name,
      role: 'worker',
      targets: !scanCp && i === 0 ? ['node', 'policies'] : ['node'],
    });
  });
  return { targets, controlPlaneScanned: scanCp, notes, problems };
}

export interface KubeBenchJobsOptions extends RunOptions, KubeBenchPlanOptions {
  runId: string;
  template: JobTemplate;
  benchmark?: string | undefined;
  image?: string | undefined;
  parallelism: number;
  /** Called once the nodes are chosen, before any Job is created. */
  onPlan?: (plan: KubeBenchPlan) => void;
}

export interface KubeBenchJobsResult {
  plan: KubeBenchPlan;
  outcomes: JobOutcome[];
}

/** Plans and runs the kube-bench Jobs (at most `parallelism` at once). */
export async function runKubeBenchJobs(
  api: JobApi,
  opts: KubeBenchJobsOptions,
): Promise<KubeBenchJobsResult> {
  const nodes = await api.listNodes(opts.signal);
  const plan = planKubeBench(nodes, opts);
  for (const n of plan.notes) opts.log.info(n);
  opts.onPlan?.(plan);
  const outcomes = await mapLimit(plan.targets, opts.parallelism, (t, i) => {
    const body = kubeBenchJob(opts.template, {
      name: `kubeproof-kb-${opts.runId}-${i}`,
      namespace: opts.namespace,
      runId: opts.runId,
      node: t.node,
      role: t.role,
      targets: t.targets,
      benchmark: opts.benchmark,
      image: opts.image,
    });
    return runJob(api, body, { role: t.role, node: t.node }, opts);
  });
  return { plan, outcomes };
}

/** Runs the Kubescape CLI Job. */
export async function runKubescapeJob(
  api: JobApi,
  opts: RunOptions & {
    runId: string;
    template: JobTemplate;
    image?: string | undefined;
    serviceAccount?: string | undefined;
  },
): Promise<JobOutcome> {
  const body = kubescapeJob(opts.template, {
    name: `kubeproof-ks-${opts.runId}`,
    namespace: opts.namespace,
    runId: opts.runId,
    image: opts.image,
    serviceAccount: opts.serviceAccount,
  });
  return runJob(api, body, { role: 'kubescape' }, opts);
}

export interface ExistingRef {
  namespace: string;
  name?: string;
  selector?: string;
}

/** `name`, `namespace/name`, or a label selector (`app=kube-bench`, `app in (a,b)`, `!x`). */
export function parseJobRef(ref: string, defaultNamespace: string): ExistingRef {
  if (/[=!]|\sin\s|\snotin\s/.test(ref) || !/^[a-z0-9.-]+(\/[a-z0-9.-]+)?$/.test(ref))
    return { namespace: defaultNamespace, selector: ref };
  const [a, b] = ref.split('/');
  return b === undefined ? { namespace: defaultNamespace, name: a! } : { namespace: a!, name: b };
}

export interface ExistingOutput {
  ref: string;
  job: string;
  namespace: string;
  pod: string;
  node: string;
  log: string;
}

/** Reads the logs of kube-bench Jobs run by other means (one output per node; never deletes anything). */
export async function readExistingJobs(
  api: JobApi,
  refs: string[],
  namespace: string,
): Promise<{ outputs: ExistingOutput[]; problems: string[] }> {
  const outputs: ExistingOutput[] = [];
  const problems: string[] = [];
  for (const ref of refs) {
    const r = parseJobRef(ref, namespace);
    try {
      const jobs = r.name
        ? [await api.readJob(r.namespace, r.name)].filter((j) => j !== undefined)
        : await api.listJobs(r.namespace, r.selector!);
      if (jobs.length === 0) {
        problems.push(
          `--kube-bench-job ${ref}: no Job ${r.name ? `named "${r.name}"` : `matches "${r.selector}"`} in namespace "${r.namespace}"`,
        );
        continue;
      }
      for (const job of [...jobs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const pods = (await api.listPods(r.namespace, `job-name=${job.name}`)).filter(
          (p) => p.phase === 'Succeeded',
        );
        if (pods.length === 0) {
          problems.push(
            `--kube-bench-job ${ref}: Job ${r.namespace}/${job.name} has no succeeded pod (still running, failed or cleaned up)`,
          );
          continue;
        }
        const seen = new Set<string>();
        for (const pod of [...pods].sort((a, b) => (a.name < b.name ? -1 : 1))) {
          const node = pod.nodeName ?? `unknown (${pod.name})`;
          if (seen.has(node)) continue;
          seen.add(node);
          const log = await api.readPodLog(r.namespace, pod.name, pod.containers[0]);
          outputs.push({ ref, job: job.name, namespace: r.namespace, pod: pod.name, node, log });
        }
      }
    } catch (err) {
      problems.push(`--kube-bench-job ${ref}: ${(err as Error).message}`);
    }
  }
  return { outputs, problems };
}
