/**
 * Scanner Jobs in the cluster: kube-bench on the nodes (and, optionally, the Kubescape CLI), run by
 * `kubeproof scan` when it runs inside the cluster (`--in-cluster`, or detected from the pod's service
 * account), plus reading kube-bench Jobs run by other means (`--kube-bench-job`, any cluster access).
 */
import { kubescapeJobSource } from './kubescape-source.ts';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { loadKubeConfig, SERVICE_ACCOUNT_DIR } from '../kube/config.ts';
import type { Source } from '../sources/types.ts';
import type { Logger } from '../util/log.ts';
import { clientNodeJobApi } from './api.ts';
import type { JobApi } from './api.ts';
import { newRunId } from './orchestrate.ts';
import { kubeBenchJobsSource } from './source.ts';

export { clientNodeJobApi } from './api.ts';
export type { JobApi, JobState, NodeInfo, PodState } from './api.ts';
export { extractJson } from './logs.ts';
export {
  newRunId,
  parseJobRef,
  planKubeBench,
  readExistingJobs,
  runJob,
  runKubeBenchJobs,
  runKubescapeJob,
} from './orchestrate.ts';
export type { Clock, JobOutcome, KubeBenchPlan, PlannedTarget } from './orchestrate.ts';
export { kubeBenchJobsSource, podLogPath } from './source.ts';
export {
  DEFAULT_TEMPLATES,
  kubeBenchJob,
  kubescapeJob,
  loadJobTemplate,
  parseJobTemplate,
} from './template.ts';

/** True when this process runs in a pod with a service account (the CronJob). */
export function detectInCluster(
  env: Record<string, string | undefined> = process.env,
  saDir: string = SERVICE_ACCOUNT_DIR,
): boolean {
  return Boolean(env['KUBERNETES_SERVICE_HOST']) && existsSync(path.join(saDir, 'token'));
}

/** Whether `kubeproof scan` runs scanner Jobs: in the cluster, unless a kubeconfig or context is given. */
export function inClusterMode(
  cfg: Config,
  env: Record<string, string | undefined> = process.env,
  saDir?: string,
): boolean {
  if (!cfg.cluster.enabled || cfg.inputs.snapshot.length > 0) return false;
  if (cfg.cluster.inCluster) return true;
  return !cfg.cluster.kubeconfig && !cfg.cluster.context && !env['KUBECONFIG'] && detectInCluster(env, saDir);
}

/** kubeproof's namespace: `--job-namespace`, else the service account's, else `kubeproof`. */
export function jobNamespace(cfg: Config, saDir: string = SERVICE_ACCOUNT_DIR): string {
  if (cfg.jobs.namespace) return cfg.jobs.namespace;
  const file = path.join(saDir, 'namespace');
  if (existsSync(file)) {
    const ns = readFileSync(file, 'utf8').trim();
    if (ns) return ns;
  }
  return 'kubeproof';
}

export interface ClusterJobSetup {
  sources: Source<unknown>[];
  notes: string[];
}

/**
 * The sources the cluster's Jobs feed, or undefined when neither in-cluster mode nor `--kube-bench-job`
 * applies (then `--kube-bench` files are read by the plain kube-bench source). `api` is injectable for tests.
 */
export function clusterJobSetup(
  cfg: Config,
  deps: {
    log: Logger;
    env?: Record<string, string | undefined>;
    api?: JobApi;
    runId?: string;
    saDir?: string;
  },
): ClusterJobSetup | undefined {
  const env = deps.env ?? process.env;
  const inCluster = inClusterMode(cfg, env, deps.saDir);
  const existing = cfg.cluster.enabled && cfg.jobs.kubeBench.existing.length > 0;
  if (!inCluster && !existing) return undefined;
  const notes: string[] = [];
  const api =
    deps.api ??
    clientNodeJobApi(
      loadKubeConfig({
        ...(inCluster ? { inCluster: true } : {}),
        ...(cfg.cluster.kubeconfig ? { kubeconfig: cfg.cluster.kubeconfig } : {}),
        ...(cfg.cluster.context ? { context: cfg.cluster.context } : {}),
        env,
        ...(deps.saDir ? { serviceAccountDir: deps.saDir } : {}),
      }).kc,
    );
  const namespace = jobNamespace(cfg, deps.saDir);
  const runJobs = inCluster && cfg.jobs.kubeBench.enabled;
  if (inCluster && !cfg.jobs.kubeBench.enabled)
    notes.push('kube-bench Jobs are disabled (--no-kube-bench-jobs)');
  const sources: Source<unknown>[] = [];
  const runId = deps.runId ?? newRunId();
  if (inCluster && cfg.jobs.kubescape.enabled) {
    if (cfg.inputs.kubescape.length > 0)
      notes.push('--kubescape-job ignored: Kubescape result files were given (--kubescape)');
    else sources.push(kubescapeJobSource(cfg, { api, namespace, runId, log: deps.log }));
  }
  if (runJobs || existing || cfg.inputs.kubeBench.length > 0) {
    const src = kubeBenchJobsSource(cfg, {
      api,
      namespace,
      runJobs,
      runId,
      log: deps.log,
    });
    sources.push(src);
  }
  return { sources, notes };
}
