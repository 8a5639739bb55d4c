/**
 * The rbac source's rules. Permission rules (`match`) are evaluated on every effective grant outside the
 * Kubernetes defaults; findings are one per (rule, subject). The wildcard rules (`matchPolicy`) judge role
 * definitions, as CIS 5.1.3 does: one finding per (rule, role), bound or not. `rbac.dangling-binding` is
 * evaluated per binding (see analyze.ts).
 */
import type { Severity } from '../../model/types.ts';
import type { EffectiveGrant } from './grants.ts';
import { isBroadSubject } from './grants.ts';
import type { PolicyRule } from './model.ts';

export interface RbacRuleDef {
  id: string;
  title: string;
  severity: Severity;
  /** What holding it lets a subject do, for messages. */
  risk: string;
  remediation: string;
  /** Permissions (`verb resource`) of this grant that violate the rule; empty when none. */
  match?: (g: EffectiveGrant) => string[];
  /** For rules on role definitions: the offending policy rules, summarised; empty when none. */
  matchPolicy?: (r: PolicyRule) => string[];
}

function has(list: readonly string[], v: string): boolean {
  return list.includes('*') || list.includes(v);
}

// Kubernetes resource matching: `*`, exact, `pods/*` (any subresource of pods), `*/scale` (scale of any resource).
function hasResource(list: readonly string[], res: string): boolean {
  const slash = res.indexOf('/');
  for (const x of list) {
    if (x === '*' || x === res) return true;
    if (slash > 0) {
      if (x === `${res.slice(0, slash)}/*` || x === `*${res.slice(slash)}`) return true;
    }
  }
  return false;
}

/** Permissions among verbs × (group, resources) this policy rule allows. */
function allowed(
  r: PolicyRule,
  verbs: readonly string[],
  group: string,
  resources: readonly string[],
): string[] {
  if (!has(r.apiGroups, group)) return [];
  const out: string[] = [];
  for (const res of resources) {
    if (!hasResource(r.resources, res)) continue;
    for (const v of verbs) if (has(r.verbs, v)) out.push(`${v} ${group === '' ? '' : group + '/'}${res}`);
  }
  return out;
}

function scoped(r: PolicyRule, perms: string[]): string[] {
  return r.resourceNames.length > 0 ? perms.map((p) => `${p} (names: ${r.resourceNames.join(', ')})`) : perms;
}

const READ = ['get', 'list', 'watch'] as const;
const WORKLOADS: [string, string[]][] = [
  ['', ['pods', 'replicationcontrollers']],
  ['apps', ['deployments', 'replicasets', 'statefulsets', 'daemonsets']],
  ['batch', ['jobs', 'cronjobs']],
];

function isFullAdmin(r: PolicyRule): boolean {
  return r.verbs.includes('*') && r.apiGroups.includes('*') && r.resources.includes('*');
}

function summary(r: PolicyRule): string {
  if (r.nonResourceURLs.length > 0 && r.resources.length === 0) {
    return `${r.verbs.join(',')} on ${r.nonResourceURLs.join(',')}`;
  }
  const groups = r.apiGroups.map((g) => (g === '' ? 'core' : g)).join(',');
  return `${r.verbs.join(',')} on ${r.resources.join(',')} [${groups}]`;
}

export const RBAC_RULES: readonly RbacRuleDef[] = [
  {
    id: 'rbac.cluster-admin-binding',
    title: 'cluster-admin or * on * granted',
    severity: 'critical',
    risk: 'full control of the cluster (or of a namespace, for a RoleBinding)',
    remediation:
      'Bind a role scoped to the permissions the subject needs; reserve cluster-admin for break-glass use.',
    match: (g) => {
      if (g.role.kind === 'ClusterRole' && g.role.name === 'cluster-admin') return ['cluster-admin'];
      return isFullAdmin(g.rule) ? ['* on *'] : [];
    },
  },
  {
    id: 'rbac.wildcard-verbs',
    title: 'Role grants wildcard verbs',
    severity: 'high',
    risk: 'every verb, including ones added by future API versions',
    remediation: 'List the verbs the role needs instead of "*".',
    matchPolicy: (r) => (r.verbs.includes('*') && r.resources.length > 0 ? [summary(r)] : []),
  },
  {
    id: 'rbac.wildcard-resources',
    title: 'Role grants wildcard resources or API groups',
    severity: 'high',
    risk: 'every resource type, including Secrets and ones added later',
    remediation: 'List the resources and API groups the role needs instead of "*".',
    matchPolicy: (r) =>
      r.resources.includes('*') || (r.apiGroups.includes('*') && r.resources.length > 0) ? [summary(r)] : [],
  },
  {
    id: 'rbac.secrets-read',
    title: 'Read access to Secrets',
    severity: 'high',
    risk: 'reading Secret values (credentials, tokens, keys)',
    remediation: 'Remove get/list/watch on secrets, or restrict it with resourceNames to the Secrets needed.',
    match: (g) => scoped(g.rule, allowed(g.rule, READ, '', ['secrets'])),
  },
  {
    id: 'rbac.exec-attach-portforward',
    title: 'pods/exec, pods/attach or pods/portforward granted',
    severity: 'high',
    risk: 'running commands inside, attaching to, or tunnelling into running containers',
    remediation:
      'Remove create/get on pods/exec, pods/attach and pods/portforward from non-administrative roles.',
    match: (g) =>
      scoped(
        g.rule,
        allowed(g.rule, ['create', 'get'], '', ['pods/exec', 'pods/attach', 'pods/portforward']),
      ),
  },
  {
    id: 'rbac.escalate-bind-impersonate',
    title: 'escalate, bind or impersonate granted',
    severity: 'critical',
    risk: 'granting itself more permissions or acting as another identity',
    remediation: 'Remove escalate/bind on roles and impersonate on users, groups and service accounts.',
    match: (g) =>
      scoped(g.rule, [
        ...allowed(g.rule, ['escalate', 'bind'], 'rbac.authorization.k8s.io', ['roles', 'clusterroles']),
        ...allowed(g.rule, ['impersonate'], '', ['users', 'groups', 'serviceaccounts']),
        ...allowed(g.rule, ['impersonate'], 'authentication.k8s.io', ['userextras/*', 'uids']),
      ]),
  },
  {
    id: 'rbac.pod-create',
    title: 'Pod or workload creation granted',
    severity: 'high',
    risk: 'creating pods (directly or through controllers), which can mount any Secret or service account of the namespace',
    remediation: 'Limit create on pods and workload controllers to deployment pipelines and administrators.',
    match: (g) => WORKLOADS.flatMap(([group, res]) => allowed(g.rule, ['create'], group, res)),
  },
  {
    id: 'rbac.nodes-proxy',
    title: 'nodes/proxy granted',
    severity: 'high',
    risk: 'calling the kubelet API directly, bypassing admission and audit logging',
    remediation: 'Remove access to nodes/proxy except for monitoring components that require it.',
    match: (g) => allowed(g.rule, ['get', 'create', 'update', 'patch', 'delete'], '', ['nodes/proxy']),
  },
  {
    id: 'rbac.pv-create',
    title: 'PersistentVolume creation granted',
    severity: 'medium',
    risk: 'creating hostPath persistent volumes that expose node files',
    remediation: 'Limit create on persistentvolumes to storage administrators and provisioners.',
    match: (g) => allowed(g.rule, ['create'], '', ['persistentvolumes']),
  },
  {
    id: 'rbac.csr-approval',
    title: 'CertificateSigningRequest approval granted',
    severity: 'high',
    risk: 'approving client certificates, including ones for privileged identities',
    remediation:
      'Limit update on certificatesigningrequests/approval to the controller manager and administrators.',
    match: (g) =>
      allowed(g.rule, ['update', 'patch'], 'certificates.k8s.io', ['certificatesigningrequests/approval']),
  },
  {
    id: 'rbac.webhook-config',
    title: 'Admission webhook configuration write granted',
    severity: 'high',
    risk: 'intercepting or disabling admission of every object in the cluster',
    remediation: 'Limit write access to (validating|mutating)webhookconfigurations to administrators.',
    match: (g) =>
      allowed(g.rule, ['create', 'update', 'patch', 'delete'], 'admissionregistration.k8s.io', [
        'validatingwebhookconfigurations',
        'mutatingwebhookconfigurations',
      ]),
  },
  {
    id: 'rbac.sa-token-create',
    title: 'Service account token creation granted',
    severity: 'medium',
    risk: 'minting tokens for service accounts and acting as them',
    remediation: 'Limit create on serviceaccounts/token to components that need it.',
    match: (g) => scoped(g.rule, allowed(g.rule, ['create'], '', ['serviceaccounts/token'])),
  },
  {
    id: 'rbac.anonymous-grant',
    title: 'Permissions granted to anonymous or unauthenticated users',
    severity: 'critical',
    risk: 'access without any authentication',
    remediation: 'Remove system:anonymous and system:unauthenticated from the binding.',
    match: (g) =>
      (g.subject.kind === 'User' && g.subject.name === 'system:anonymous') ||
      (g.subject.kind === 'Group' && g.subject.name === 'system:unauthenticated')
        ? [summary(g.rule)]
        : [],
  },
  {
    id: 'rbac.authenticated-broad-grant',
    title: 'Permissions granted to every authenticated user or every service account',
    severity: 'high',
    risk: 'access for every identity the cluster authenticates, including every pod token',
    remediation: 'Bind the role to the specific users, groups or service accounts that need it.',
    match: (g) =>
      g.subject.kind === 'Group' &&
      isBroadSubject(g.subject) &&
      g.subject.name !== 'system:unauthenticated' &&
      !g.subject.name.startsWith('system:serviceaccounts:')
        ? [summary(g.rule)]
        : [],
  },
  {
    id: 'rbac.default-sa-bound',
    title: 'Default service account bound to a role',
    severity: 'medium',
    risk: 'permissions shared by every pod that does not name its own service account',
    remediation: 'Create a dedicated service account for the workload and bind the role to it.',
    match: (g) =>
      g.subject.kind === 'ServiceAccount' && g.subject.name === 'default' ? [summary(g.rule)] : [],
  },
  {
    id: 'rbac.dangling-binding',
    title: 'Binding to a role or service account that does not exist',
    severity: 'medium',
    risk: 'silently granting permissions to whoever later creates the missing role or service account',
    remediation: 'Delete the binding, or fix its roleRef / subjects.',
  },
];

export const RBAC_RULE_IDS: readonly string[] = RBAC_RULES.map((r) => r.id);
