/**
 * One entry point for the CLI: turns the cluster-access flags into a ClusterReader (live or snapshot),
 * or undefined for `--no-cluster`. Never guesses a cluster: see loadKubeConfig.
 */
import { UsageError } from '../errors.ts';
import { createKubeClient } from './client.ts';
import type { KubeClientOptions } from './client.ts';
import { loadKubeConfig } from './config.ts';
import type { KubeConfigOptions } from './config.ts';
import { loadSnapshot } from './snapshot.ts';
import type { ClusterReader } from './types.ts';

export interface ClusterAccessOptions extends KubeConfigOptions, KubeClientOptions {
  /** `--snapshot PATH` (repeatable): read objects offline instead of the API. */
  snapshot?: string[];
  /** `--no-cluster`: sources that need the API are skipped. */
  noCluster?: boolean;
}

export function openCluster(opts: ClusterAccessOptions): ClusterReader | undefined {
  const snapshots = opts.snapshot ?? [];
  const live = opts.kubeconfig !== undefined || opts.context !== undefined || opts.inCluster === true;
  if (opts.noCluster && (snapshots.length > 0 || live)) {
    throw new UsageError(
      '--no-cluster cannot be combined with --snapshot, --kubeconfig, --context or --in-cluster',
    );
  }
  if (opts.noCluster) return undefined;
  if (snapshots.length > 0) {
    if (live)
      throw new UsageError(
        '--snapshot reads offline files: do not combine it with --kubeconfig, --context or --in-cluster',
      );
    return loadSnapshot(snapshots);
  }
  return createKubeClient(loadKubeConfig(opts), opts);
}
