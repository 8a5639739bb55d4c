/**
 * The `rbac` source: reads Roles, ClusterRoles, their bindings and ServiceAccounts through an injected
 * lister (live API or offline snapshot), then analyzes them purely (analyze.ts).
 */
import type { InputRecord } from '../../model/types.ts';
import type { Source, SourceContext, SourceOutput } from '../types.ts';
import { SourceError } from '../../errors.ts';
import { collectLists, listPath, type Lister } from './kube-objects.ts';
import { RBAC_RESOURCES } from './model.ts';
import { analyzeRbac, type RbacObjects } from './analyze.ts';

export { RBAC_RESOURCES } from './model.ts';
export { analyzeRbac, effectiveGrants, type RbacObjects } from './analyze.ts';
export {
  grantsForIdentity,
  indexGrants,
  subjectKeysForIdentity,
  isSystemSubject,
  isBroadSubject,
  type EffectiveGrant,
  type ObjRef,
} from './grants.ts';
export { RBAC_RULES, RBAC_RULE_IDS } from './rules.ts';
export type { Lister, ResourceDescriptor } from './kube-objects.ts';

/** What read() collected, plus what it could not read (the analysis then reports a partial run). */
export interface RbacRaw extends RbacObjects {
  readNotes: string[];
  /** The lists read (API list paths), recorded in the run's inputs. */
  inputs: InputRecord[];
}

/** Builds the rbac Source around an injected lister. */
export function rbacSource(list: Lister): Source<RbacRaw> {
  return {
    id: 'rbac',
    title: 'Kubernetes RBAC',
    async read(ctx: SourceContext): Promise<RbacRaw> {
      const keys = [
        'roles',
        'clusterRoles',
        'roleBindings',
        'clusterRoleBindings',
        'serviceAccounts',
      ] as const;
      // Up to 4 lists in flight; outcomes are examined in this order, so the first required list that
      // failed is the one reported, as when they were read one after the other.
      const outcomes = await collectLists(
        list,
        keys.map((k) => RBAC_RESOURCES[k]),
        ctx.signal,
      );
      const inputs: InputRecord[] = [];
      const items: unknown[][] = [];
      for (let i = 0; i < 4; i++) {
        const d = RBAC_RESOURCES[keys[i]!];
        const o = outcomes[i]!;
        if ('error' in o) {
          const err = o.error;
          throw new SourceError(
            'rbac-list',
            `listing ${d.group}/${d.plural} failed: ${err instanceof Error ? err.message : String(err)}`,
            `the service account needs "list" on ${d.group}/${d.plural} (see deploy/)`,
            { cause: err },
          );
        }
        items.push(o.items);
        inputs.push({ path: listPath(d), format: 'kubernetes-list' });
      }
      const raw: RbacRaw = {
        roles: items[0]!,
        clusterRoles: items[1]!,
        roleBindings: items[2]!,
        clusterRoleBindings: items[3]!,
        readNotes: [],
        inputs,
      };
      const sa = outcomes[4]!;
      if ('items' in sa) {
        raw.serviceAccounts = sa.items;
        inputs.push({ path: listPath(RBAC_RESOURCES.serviceAccounts), format: 'kubernetes-list' });
      } else {
        const err = sa.error;
        // Optional list: without it only the dangling-ServiceAccount check is skipped (noted in the output).
        raw.readNotes.push(`serviceaccounts not read: ${err instanceof Error ? err.message : String(err)}`);
      }
      return raw;
    },
    normalize(raw: RbacRaw, ctx: SourceContext): SourceOutput {
      const out = analyzeRbac(raw, ctx);
      out.notes.unshift(...raw.readNotes);
      out.inputs = [...raw.inputs];
      return out;
    },
  };
}
