import type { Config } from '../config/schema.ts';
import type { ClusterInfo } from '../model/types.ts';
import type { Logger } from '../util/log.ts';
import type { Source } from './types.ts';

export interface SourceSetup {
  sources: Source<unknown>[];
  clusterHint?: { name?: string; serverVersion?: string; source: ClusterInfo['nameSource'] };
  notes: string[];
}

/** Builds the enabled sources from the configuration. One line per source. */
export async function createSources(_cfg: Config, _deps: { log: Logger; now: () => Date }): Promise<SourceSetup> {
  return { sources: [], notes: [] };
}
