/**
 * Effective permissions: every (subject, binding, policy rule) triple the cluster's RBAC grants, with
 * ClusterRole aggregation resolved and Kubernetes' own defaults marked as exempt.
 *
 * Exemption (documented in docs/rules.md) is decided per binding and subject, never by role name alone:
 * 1. a binding labelled `kubernetes.io/bootstrapping: rbac-defaults` is the API server's bootstrap
 *    policy, reconciled at every start;
 * 2. a binding whose name carries the reserved `system:` or `kubeadm:` prefix, for a system-owned
 *    subject: a `system:`-prefixed user or group other than the broad identity groups
 *    (`system:anonymous`, `system:unauthenticated`, `system:authenticated`, `system:serviceaccounts[:ns]`),
 *    or a ServiceAccount in `kube-system`; for a `kubeadm:` binding also a `kubeadm:`-prefixed group (kubeadm's
 *    own identities such as `kubeadm:cluster-admins`, the group of its admin.conf credential);
 * 3. kubeadm's cluster-info discovery: the RoleBinding `kubeadm:bootstrap-signer-clusterinfo` in
 *    `kube-public` to a role that only reads the named ConfigMap `cluster-info`.
 * A user binding `cluster-admin` to a user, or any binding of a broad group outside these, is not exempt.
 */
import {
  selectorMatches,
  subjectKey,
  type BindingObj,
  type PolicyRule,
  type RoleObj,
  type RoleRef,
  type Subject,
} from './model.ts';

export interface ObjRef {
  kind: string;
  name: string;
  namespace?: string;
}

/** One effective grant. `namespace` absent = cluster-wide (a ClusterRoleBinding). */
export interface EffectiveGrant {
  subject: Subject;
  subjectKey: string;
  namespace?: string;
  binding: ObjRef;
  role: ObjRef;
  /** The role's rule (after aggregation), verbatim. */
  rule: PolicyRule;
  /** Why this grant is a Kubernetes default and raises no failing finding; absent when it is not. */
  exempt?: string;
}

export interface ResolvedRbac {
  grants: EffectiveGrant[];
  /** Bindings whose roleRef names no existing role. */
  danglingRoleRefs: BindingObj[];
  /** Effective rules per role key (`ClusterRole:name`, `Role:ns/name`). */
  rulesByRole: Map<string, PolicyRule[]>;
  roles: Map<string, RoleObj>;
}

export const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';
const BROAD_GROUPS = new Set(['system:authenticated', 'system:unauthenticated', 'system:serviceaccounts']);

export function roleKey(kind: string, name: string, namespace?: string): string {
  return kind === 'Role' ? `Role:${namespace ?? ''}/${name}` : `ClusterRole:${name}`;
}

/** True for identities that stand for a population, not one component. */
export function isBroadSubject(s: Subject): boolean {
  if (s.kind === 'User') return s.name === 'system:anonymous';
  if (s.kind === 'Group') return BROAD_GROUPS.has(s.name) || s.name.startsWith('system:serviceaccounts:');
  return false;
}

/** A Kubernetes component identity (see the module comment). */
export function isSystemSubject(s: Subject): boolean {
  if (isBroadSubject(s)) return false;
  if (s.kind === 'ServiceAccount') return s.namespace === 'kube-system';
  return s.name.startsWith('system:');
}

export function isDefaultObject(labels: Record<string, string>): boolean {
  return labels[BOOTSTRAP_LABEL] === 'rbac-defaults';
}

function isClusterInfoDiscovery(b: BindingObj, rules: PolicyRule[]): boolean {
  return (
    b.kind === 'RoleBinding' &&
    b.meta.namespace === 'kube-public' &&
    b.meta.name === 'kubeadm:bootstrap-signer-clusterinfo' &&
    rules.length > 0 &&
    rules.every(
      (r) =>
        r.verbs.every((v) => v === 'get') &&
        r.resources.every((x) => x === 'configmaps') &&
        r.resourceNames.length > 0 &&
        r.resourceNames.every((n) => n === 'cluster-info'),
    )
  );
}

export function exemption(b: BindingObj, s: Subject, rules: PolicyRule[]): string | undefined {
  if (isDefaultObject(b.meta.labels))
    return 'Kubernetes bootstrap policy (label kubernetes.io/bootstrapping=rbac-defaults)';
  if ((b.meta.name.startsWith('system:') || b.meta.name.startsWith('kubeadm:')) && isSystemSubject(s)) {
    return 'system binding for a Kubernetes component identity';
  }
  if (b.meta.name.startsWith('kubeadm:') && s.kind === 'Group' && s.name.startsWith('kubeadm:')) {
    return 'kubeadm binding for a kubeadm-owned group';
  }
  if (isClusterInfoDiscovery(b, rules))
    return 'kubeadm cluster-info discovery (read of ConfigMap kube-public/cluster-info)';
  return undefined;
}

/**
 * Effective rules of every role, with aggregation resolved transitively (the aggregation controller
 * fills an aggregated role from roles whose own rules it may itself have filled); cycles are cut.
 */
function resolveRules(roles: RoleObj[], clusterRoles: RoleObj[]): Map<string, PolicyRule[]> {
  const out = new Map<string, PolicyRule[]>();
  for (const r of roles) out.set(roleKey('Role', r.meta.name, r.meta.namespace), r.rules);
  const aggregated = clusterRoles.filter((r) => r.aggregationSelectors && r.aggregationSelectors.length > 0);
  const visiting = new Set<string>();
  const resolve = (r: RoleObj): PolicyRule[] => {
    const key = roleKey('ClusterRole', r.meta.name);
    const done = out.get(key);
    if (done) return done;
    if (!r.aggregationSelectors || r.aggregationSelectors.length === 0 || visiting.has(key)) return r.rules;
    visiting.add(key);
    const rules = [...r.rules];
    const seen = new Set(rules.map((x) => JSON.stringify(x)));
    // Only aggregating roles are scanned against every ClusterRole: few of them, so this stays linear in practice.
    for (const other of clusterRoles) {
      if (other === r) continue;
      if (!r.aggregationSelectors.some((sel) => selectorMatches(sel, other.meta.labels))) continue;
      for (const x of resolve(other)) {
        const k = JSON.stringify(x);
        if (!seen.has(k)) {
          seen.add(k);
          rules.push(x);
        }
      }
    }
    visiting.delete(key);
    out.set(key, rules);
    return rules;
  };
  for (const r of aggregated) resolve(r);
  for (const r of clusterRoles) {
    const key = roleKey('ClusterRole', r.meta.name);
    if (!out.has(key)) out.set(key, r.rules);
  }
  return out;
}

function refKeyOf(b: BindingObj): string {
  const ref: RoleRef = b.roleRef;
  return ref.kind === 'Role' ? roleKey('Role', ref.name, b.meta.namespace) : roleKey('ClusterRole', ref.name);
}

/** Resolves every binding to effective grants. Linear in bindings × subjects × rules. */
export function resolveGrants(
  roles: RoleObj[],
  clusterRoles: RoleObj[],
  roleBindings: BindingObj[],
  clusterRoleBindings: BindingObj[],
): ResolvedRbac {
  const rulesByRole = resolveRules(roles, clusterRoles);
  const roleMap = new Map<string, RoleObj>();
  for (const r of roles) roleMap.set(roleKey('Role', r.meta.name, r.meta.namespace), r);
  for (const r of clusterRoles) roleMap.set(roleKey('ClusterRole', r.meta.name), r);
  const grants: EffectiveGrant[] = [];
  const dangling: BindingObj[] = [];
  for (const b of [...clusterRoleBindings, ...roleBindings]) {
    const rules = rulesByRole.get(refKeyOf(b));
    if (!rules) {
      dangling.push(b);
      continue;
    }
    const binding: ObjRef = { kind: b.kind, name: b.meta.name };
    if (b.kind === 'RoleBinding' && b.meta.namespace !== undefined) binding.namespace = b.meta.namespace;
    const role: ObjRef = { kind: b.roleRef.kind, name: b.roleRef.name };
    if (b.roleRef.kind === 'Role' && b.meta.namespace !== undefined) role.namespace = b.meta.namespace;
    for (const s of b.subjects) {
      const exempt = exemption(b, s, rules);
      const key = subjectKey(s);
      for (const rule of rules) {
        const g: EffectiveGrant = { subject: s, subjectKey: key, binding, role, rule };
        if (b.kind === 'RoleBinding' && b.meta.namespace !== undefined) g.namespace = b.meta.namespace;
        if (exempt) g.exempt = exempt;
        grants.push(g);
      }
    }
  }
  return { grants, danglingRoleRefs: dangling, rulesByRole, roles: roleMap };
}

/**
 * The subject keys an authenticated request acts as (for audit-log correlation): its user, its groups,
 * and for a service account `system:serviceaccount:<ns>:<name>` also the ServiceAccount key.
 */
export function subjectKeysForIdentity(username: string, groups: readonly string[] = []): string[] {
  const keys = [`User:${username}`];
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  if (m) keys.push(`ServiceAccount:${m[1]}/${m[2]}`);
  for (const g of groups) keys.push(`Group:${g}`);
  return keys;
}

/** Indexes grants by subject key. */
export function indexGrants(grants: readonly EffectiveGrant[]): Map<string, EffectiveGrant[]> {
  const idx = new Map<string, EffectiveGrant[]>();
  for (const g of grants) {
    const list = idx.get(g.subjectKey);
    if (list) list.push(g);
    else idx.set(g.subjectKey, [g]);
  }
  return idx;
}

/** Grants that apply to a request identity (user + groups), for audit-log correlation. */
export function grantsForIdentity(
  index: Map<string, EffectiveGrant[]>,
  username: string,
  groups: readonly string[] = [],
): EffectiveGrant[] {
  return subjectKeysForIdentity(username, groups).flatMap((k) => index.get(k) ?? []);
}
