/**
 * The `rbac` source: reads Roles, ClusterRoles, their bindings and ServiceAccounts through an injected
 * lister (live API or offline snapshot), then analyzes them purely (analyze.ts).
 */
import type { InputRecord } from '../../model/types.ts';
import type { Source, SourceContext, SourceOutput } from '../types.ts';
import { SourceError } from '../../errors.ts';
import { collectList, listPath, type Lister, type ResourceDescriptor } from './kube-objects.ts';
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
      const inputs: InputRecord[] = [];
      const read = async (d: ResourceDescriptor): Promise<unknown[]> => {
        const items = await collectList(list, d, ctx.signal);
        inputs.push({ path: listPath(d), format: 'kubernetes-list' });
        return items;
      };
      const required = async (key: 'roles' | 'clusterRoles' | 'roleBindings' | 'clusterRoleBindings') => {
        const d = RBAC_RESOURCES[key];
        try {
          return await read(d);
        } catch (err) {
          throw new SourceError(
            'rbac-list',
            `listing ${d.group}/${d.plural} failed: ${err instanceof Error ? err.message : String(err)}`,
            `the service account needs "list" on ${d.group}/${d.plural} (see deploy/)`,
            { cause: err },
          );
        }
      };
      const raw: RbacRaw = {
        roles: await required('roles'),
        clusterRoles: await required('clusterRoles'),
        roleBindings: await required('roleBindings'),
        clusterRoleBindings: await required('clusterRoleBindings'),
        readNotes: [],
        inputs,
      };
      try {
        raw.serviceAccounts = await read(RBAC_RESOURCES.serviceAccounts);
      } catch (err) {
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
