/**
 * The `workloads` source: reads pods, their controllers and namespace-level policy objects through an
 * injected lister, then analyzes them purely (analyze.ts).
 */
import type { InputRecord } from '../../model/types.ts';
import type { Source, SourceContext, SourceOutput } from '../types.ts';
import { SourceError } from '../../errors.ts';
import { collectLists, listPath, type Lister } from '../rbac/kube-objects.ts';
import { WORKLOAD_RESOURCES } from './model.ts';
import { slimController, slimMetaOnly, slimNetworkPolicy, slimPod, slimServiceAccount } from './slim.ts';
import { analyzeWorkloads, type WorkloadObjects, type WorkloadsOptions } from './analyze.ts';

export { WORKLOAD_RESOURCES } from './model.ts';
export {
  analyzeWorkloads,
  DEFAULT_SYSTEM_NAMESPACES,
  WORKLOAD_RULE_IDS,
  type WorkloadObjects,
  type WorkloadsOptions,
} from './analyze.ts';
export { POD_CHECKS, parseImage } from './checks.ts';
export { NAMESPACE_CHECKS } from './namespaces.ts';

export interface WorkloadsRaw extends WorkloadObjects {
  readNotes: string[];
  /** The lists read (API list paths), recorded in the run's inputs. */
  inputs: InputRecord[];
}

type OptionalKey = Exclude<keyof typeof WORKLOAD_RESOURCES, 'pods'>;

/**
 * Each list's projection onto what the parsers read (slim.ts), applied by live lists as pages arrive;
 * analysis gives the same results on projected and whole objects.
 */
const PROJECTIONS: Record<keyof typeof WORKLOAD_RESOURCES, <T extends Record<string, unknown>>(o: T) => T> = {
  pods: slimPod,
  replicaSets: slimController('ReplicaSet'),
  deployments: slimController('Deployment'),
  statefulSets: slimController('StatefulSet'),
  daemonSets: slimController('DaemonSet'),
  jobs: slimController('Job'),
  cronJobs: slimController('CronJob'),
  replicationControllers: slimController('ReplicationController'),
  namespaces: slimMetaOnly,
  networkPolicies: slimNetworkPolicy,
  limitRanges: slimMetaOnly,
  resourceQuotas: slimMetaOnly,
  serviceAccounts: slimServiceAccount,
};

const projected = (key: keyof typeof WORKLOAD_RESOURCES) => ({
  ...WORKLOAD_RESOURCES[key],
  project: PROJECTIONS[key],
});

/** Builds the workloads Source around an injected lister. Pods are required; other lists are best effort. */
export function workloadsSource(list: Lister, opts: WorkloadsOptions = {}): Source<WorkloadsRaw> {
  return {
    id: 'workloads',
    title: 'Kubernetes workloads',
    async read(ctx: SourceContext): Promise<WorkloadsRaw> {
      // Pods first, then the optional lists in their declared order; up to 4 lists in flight.
      const keys = Object.keys(WORKLOAD_RESOURCES) as (keyof typeof WORKLOAD_RESOURCES)[];
      const outcomes = await collectLists(list, keys.map(projected), ctx.signal);
      const pods = outcomes[0]!;
      if ('error' in pods) {
        const err = pods.error;
        throw new SourceError(
          'workloads-list',
          `listing pods failed: ${err instanceof Error ? err.message : String(err)}`,
          'the service account needs "list" on pods (see deploy/)',
          { cause: err },
        );
      }
      const raw: WorkloadsRaw = {
        pods: pods.items,
        readNotes: [],
        inputs: [{ path: listPath(WORKLOAD_RESOURCES.pods), format: 'kubernetes-list' }],
      };
      for (let i = 1; i < keys.length; i++) {
        const key = keys[i] as OptionalKey;
        const d = WORKLOAD_RESOURCES[key];
        const o = outcomes[i]!;
        if ('items' in o) {
          raw[key] = o.items;
          raw.inputs.push({ path: listPath(d), format: 'kubernetes-list' });
        } else {
          const err = o.error;
          // Left undefined: the rules needing this list report that they did not run (never a pass).
          raw.readNotes.push(`${d.plural} not read: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return raw;
    },
    normalize(raw: WorkloadsRaw, ctx: SourceContext): SourceOutput {
      const out = analyzeWorkloads(raw, ctx, opts);
      out.notes.unshift(...raw.readNotes);
      out.inputs = [...raw.inputs];
      if (raw.readNotes.length > 0 && !out.partialError) {
        out.partialError = {
          code: 'workloads-partial',
          message: `${raw.readNotes.length} list(s) could not be read; the rules needing them did not run`,
          hint: 'Grant the kubeproof service account "list" on the lists named in the notes (see deploy/).',
        };
      }
      return out;
    },
  };
}
