/**
 * The kube-bench source fed by the cluster: kube-bench Jobs kubeproof runs itself (in the cluster), the
 * logs of kube-bench Jobs run by other means (`--kube-bench-job`), and any `--kube-bench` files, all
 * normalized by the kube-bench source's own parser. Each Job output is recorded with the API path of
 * the pod log it came from. Jobs that fail or time out make the run partial (exit 3) with one line per
 * node; when nothing could be collected the source fails with every reason.
 */
import type { Config } from '../config/schema.ts';
import { InputError, SourceError } from '../errors.ts';
import { normalizeKubeBench } from '../sources/kube-bench/normalize.ts';
import { fsReader, readInputs } from '../sources/kube-bench/read.ts';
import type { KubeBenchInput, KubeBenchRaw, KubeBenchReader } from '../sources/kube-bench/read.ts';
import { isKubeBenchJson } from '../sources/kube-bench/schema.ts';
import type { Source, SourceContext, SourceOutput } from '../sources/types.ts';
import { sha256Hex } from '../util/hash.ts';
import type { Logger } from '../util/log.ts';
import { createProgress } from '../util/progress.ts';
import type { Progress } from '../util/progress.ts';
import type { JobApi } from './api.ts';
import { extractJson } from './logs.ts';
import { readExistingJobs, runKubeBenchJobs } from './orchestrate.ts';
import type { Clock, JobOutcome } from './orchestrate.ts';
import { DEFAULT_TEMPLATES, loadJobTemplate } from './template.ts';

export interface KubeBenchJobsRaw {
  kb: KubeBenchRaw;
  /** Paths of inputs that came from the cluster (pod logs), as opposed to files. */
  fromCluster: string[];
  outcomes: JobOutcome[];
  notes: string[];
  problems: string[];
}

export interface KubeBenchJobsDeps {
  api: JobApi;
  namespace: string;
  /** Run kube-bench Jobs (in the cluster); false only reads `--kube-bench-job` Jobs and files. */
  runJobs: boolean;
  runId: string;
  log: Logger;
  clock?: Clock;
  pollMs?: number;
  reader?: KubeBenchReader;
  progress?: (total: number) => Progress;
}

/** API path of a pod's log: the locator recorded for its evidence. */
export function podLogPath(namespace: string, pod: string): string {
  return `/api/v1/namespaces/${namespace}/pods/${pod}/log`;
}

function logInput(namespace: string, pod: string, node: string, log: string): KubeBenchInput {
  const p = podLogPath(namespace, pod);
  const bytes = new TextEncoder().encode(extractJson(log));
  return {
    spec: `${node}=${p}`,
    raw: { path: p, bytes, sha256: sha256Hex(bytes) },
    node,
    nodeSource: 'explicit',
  };
}

export function kubeBenchJobsSource(cfg: Config, deps: KubeBenchJobsDeps): Source<KubeBenchJobsRaw> {
  return {
    id: 'kube-bench',
    title: 'kube-bench (run as Kubernetes Jobs by kubeproof, and kube-bench outputs given)',
    detect: isKubeBenchJson,
    async read(ctx: SourceContext): Promise<KubeBenchJobsRaw> {
      const inputs: KubeBenchInput[] = [];
      const fromCluster: string[] = [];
      const notes: string[] = [];
      const problems: string[] = [];
      let outcomes: JobOutcome[] = [];
      if (cfg.inputs.kubeBench.length > 0)
        inputs.push(...(await readInputs(cfg.inputs.kubeBench, deps.reader ?? fsReader)).inputs);
      if (deps.runJobs && cfg.jobs.kubeBench.enabled) {
        const template = await loadJobTemplate(cfg.jobs.kubeBench.template ?? DEFAULT_TEMPLATES.kubeBench);
        let progress: Progress | undefined;
        const result = await runKubeBenchJobs(deps.api, {
          namespace: deps.namespace,
          timeoutMs: cfg.jobs.timeoutSeconds * 1000,
          ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
          signal: ctx.signal,
          log: deps.log,
          ...(deps.clock ? { clock: deps.clock } : {}),
          onPlan: (plan) => {
            progress = (
              deps.progress ?? ((n) => createProgress({ total: n, label: 'kube-bench Jobs', log: deps.log }))
            )(plan.targets.length);
          },
          onDone: (o) => progress?.tick(`${o.node ?? o.job} ${o.status}`),
          runId: deps.runId,
          template,
          benchmark: cfg.jobs.kubeBench.benchmark,
          image: cfg.jobs.kubeBench.image,
          parallelism: cfg.jobs.parallelism,
          controlPlane: cfg.jobs.kubeBench.controlPlane,
          workerNodes: cfg.jobs.kubeBench.workerNodes,
          seed: ctx.now().toISOString().slice(0, 10),
        });
        progress?.done();
        outcomes = result.outcomes;
        notes.push(...result.plan.notes);
        problems.push(...result.plan.problems);
        for (const o of outcomes) {
          if (o.status === 'ok' && o.pod && o.log !== undefined) {
            const input = logInput(o.namespace, o.pod, o.node!, o.log);
            inputs.push(input);
            fromCluster.push('raw' in input ? input.raw.path : '');
          } else
            problems.push(
              `kube-bench Job ${o.job} on ${o.role} node ${o.node ?? '?'}: ${o.message ?? o.status}`,
            );
        }
        const cp = outcomes.filter((o) => o.role === 'control-plane').length;
        const leftover = outcomes.filter((o) => !o.cleanedUp).map((o) => o.job);
        notes.push(
          `kube-bench ran as Jobs in namespace ${deps.namespace} on ${outcomes.length} node(s) (${cp} control-plane, ` +
            `${outcomes.length - cp} worker); ${outcomes.filter((o) => o.status === 'ok').length} produced output; ` +
            (leftover.length === 0
              ? 'every Job was deleted afterwards'
              : `could not delete ${leftover.join(', ')} (their TTL removes them)`),
        );
      }
      if (cfg.jobs.kubeBench.existing.length > 0) {
        const ex = await readExistingJobs(deps.api, cfg.jobs.kubeBench.existing, deps.namespace);
        for (const o of ex.outputs) {
          const input = logInput(o.namespace, o.pod, o.node, o.log);
          inputs.push(input);
          fromCluster.push('raw' in input ? input.raw.path : '');
          notes.push(
            `kube-bench output of node ${o.node} read from Job ${o.namespace}/${o.job} (pod ${o.pod}), run outside kubeproof`,
          );
        }
        problems.push(...ex.problems);
      }
      return { kb: { inputs }, fromCluster, outcomes, notes, problems };
    },
    normalize(raw: KubeBenchJobsRaw, ctx: SourceContext): SourceOutput {
      const problemText = raw.problems.join('; ');
      if (raw.kb.inputs.length === 0) {
        throw new SourceError(
          'kube-bench-jobs',
          `no kube-bench output was collected${problemText ? `: ${problemText}` : ''}`,
          'check the Jobs\' events (kubectl -n <namespace> get events), the node taints and the image; see docs/deploy.md, "How the kube-bench Jobs work"',
        );
      }
      let out: SourceOutput;
      try {
        out = normalizeKubeBench(raw.kb, ctx);
      } catch (err) {
        // unusable pod logs are a collection failure (exit 3), not a bad input given by the user (exit 2)
        if (
          err instanceof InputError &&
          raw.kb.inputs.every((i) => raw.fromCluster.includes('raw' in i ? i.raw.path : i.path))
        ) {
          throw new SourceError(
            'kube-bench-jobs',
            `${err.message}${problemText ? `; ${problemText}` : ''}`,
            err.hint,
          );
        }
        throw err;
      }
      out.notes = [...raw.notes, ...out.notes];
      if (raw.problems.length > 0) {
        const prior = out.partialError;
        out.partialError = {
          code:
            prior?.code === 'input' && raw.fromCluster.length < raw.kb.inputs.length
              ? 'input'
              : 'kube-bench-jobs',
          message: [prior?.message, problemText].filter(Boolean).join('; '),
          hint: prior?.hint ?? 'see docs/deploy.md, "How the kube-bench Jobs work"',
        };
      } else if (out.partialError && raw.fromCluster.length === raw.kb.inputs.length) {
        out.partialError = { ...out.partialError, code: 'kube-bench-jobs' };
      }
      return out;
    },
  };
}
