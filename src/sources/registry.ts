import type { Config } from '../config/schema.ts';
import { clusterJobSetup } from '../jobs/index.ts';
import type { ClusterInfo } from '../model/types.ts';
import type { Logger } from '../util/log.ts';
import { kubeBenchSource } from './kube-bench/index.ts';
import type { Source } from './types.ts';

export interface SourceSetup {
  sources: Source<unknown>[];
  clusterHint?: { name?: string; serverVersion?: string; source: ClusterInfo['nameSource'] };
  notes: string[];
}

/** A source with its raw type erased, so sources of different raw shapes share one list. */
function erase<R>(s: Source<R>): Source<unknown> {
  return s as unknown as Source<unknown>;
}

/** Builds the enabled sources from the configuration, in collection order. */
export async function createSources(cfg: Config, deps: { log: Logger; now: () => Date }): Promise<SourceSetup> {
  const sources: Source<unknown>[] = [];
  const notes: string[] = [];
  // In the cluster, kube-bench runs as Jobs (src/jobs/); that source also reads --kube-bench files.
  const jobs = clusterJobSetup(cfg, deps);
  if (jobs) {
    sources.push(...jobs.sources);
    notes.push(...jobs.notes);
  } else if (cfg.inputs.kubeBench.length > 0) sources.push(erase(kubeBenchSource(cfg.inputs.kubeBench)));
  return { sources, notes };
}
