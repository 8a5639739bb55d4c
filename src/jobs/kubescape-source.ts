import type { Config } from '../config/schema.ts';
import { SourceError } from '../errors.ts';
import {
  normalizeKubescape,
  readKubescapeInputs,
  type KubescapeRaw,
  type KubescapeReader,
} from '../sources/kubescape/index.ts';
import type { Source, SourceContext, SourceOutput } from '../sources/types.ts';
import type { Logger } from '../util/log.ts';
import type { JobApi } from './api.ts';
import { extractJson } from './logs.ts';
import { runKubescapeJob, type JobOutcome } from './orchestrate.ts';
import { DEFAULT_TEMPLATES, loadJobTemplate } from './template.ts';

export interface KubescapeJobRaw {
  outcome: JobOutcome;
  raw: KubescapeRaw;
}

/**
 * The Kubescape CLI run once as a Job (`--kubescape-job`): kubeproof creates the Job from
 * deploy/base/jobs/kubescape-job.yaml, waits, reads the JSON results from the pod's log, deletes the Job on
 * every path (orchestrate.ts), and parses the results with the same code as `--kubescape FILE`. A Job that
 * fails or times out makes the kubescape source fail, with the reason; its controls are then not-assessed.
 */
export function kubescapeJobSource(
  cfg: Config,
  deps: { api: JobApi; namespace: string; runId: string; log: Logger; pollMs?: number },
): Source<KubescapeJobRaw> {
  return {
    id: 'kubescape',
    title: 'Kubescape (run as a Kubernetes Job by kubeproof)',
    async read(ctx: SourceContext): Promise<KubescapeJobRaw> {
      const template = await loadJobTemplate(cfg.jobs.kubescape.template ?? DEFAULT_TEMPLATES.kubescape);
      const outcome = await runKubescapeJob(deps.api, {
        namespace: deps.namespace,
        timeoutMs: cfg.jobs.timeoutSeconds * 1000,
        ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
        signal: ctx.signal,
        log: deps.log,
        runId: deps.runId,
        template,
        image: cfg.jobs.kubescape.image,
        serviceAccount: cfg.jobs.serviceAccount,
      });
      if (outcome.status !== 'ok' || outcome.log === undefined) {
        throw new SourceError(
          'kubescape-job',
          `the Kubescape Job ${outcome.namespace}/${outcome.job} ${outcome.status}${outcome.message ? `: ${outcome.message}` : ''}` +
            (outcome.cleanedUp
              ? ' (the Job was deleted)'
              : ' (the Job could not be deleted: remove it by hand)'),
          'check the Job template (deploy/base/jobs/kubescape-job.yaml), the image and the namespace Role (deploy/base/role.yaml)',
        );
      }
      const bytes = new TextEncoder().encode(extractJson(outcome.log));
      const name = `job:${outcome.namespace}/${outcome.job}`;
      const reader: KubescapeReader = {
        kind: (p) => Promise.resolve(p === name ? 'file' : 'missing'),
        readFile: () => Promise.resolve(bytes),
        readStdin: () => Promise.resolve(bytes),
      };
      return { outcome, raw: await readKubescapeInputs([name], reader) };
    },
    normalize(r: KubescapeJobRaw, ctx: SourceContext): SourceOutput {
      const out = normalizeKubescape(r.raw, ctx);
      out.notes.unshift(
        `Kubescape ran as Job ${r.outcome.namespace}/${r.outcome.job} in ${Math.round(r.outcome.durationMs / 1000)} s; ` +
          (r.outcome.cleanedUp ? 'the Job was deleted' : 'the Job could not be deleted'),
      );
      return out;
    },
  };
}
