/**
 * RBAC objects (validated) and their parsing. Subjects are normalised: a User named
 * `system:serviceaccount:<ns>:<name>` is the ServiceAccount `<ns>/<name>`.
 */
import {
  arr,
  at,
  optRec,
  optStr,
  parseMeta,
  ParseIssue,
  rec,
  str,
  strArr,
  strMap,
  type ObjectMeta,
  type Path,
  type ResourceDescriptor,
} from './kube-objects.ts';

export interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values: string[];
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
}

export interface RoleObj {
  kind: 'Role' | 'ClusterRole';
  meta: ObjectMeta;
  rules: PolicyRule[];
  aggregationSelectors?: LabelSelector[];
}

export type SubjectKind = 'User' | 'Group' | 'ServiceAccount';

export interface Subject {
  kind: SubjectKind;
  name: string;
  /** ServiceAccounts only. */
  namespace?: string;
}

export interface RoleRef {
  kind: 'Role' | 'ClusterRole';
  name: string;
}

export interface BindingObj {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  meta: ObjectMeta;
  roleRef: RoleRef;
  subjects: Subject[];
}

export interface ServiceAccountObj {
  meta: ObjectMeta;
  automountServiceAccountToken?: boolean;
}

/** The RBAC lists the rbac source reads (the service-account list is optional: it sharpens dangling checks). */
export const RBAC_RESOURCES = {
  roles: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'roles',
    kind: 'Role',
    namespaced: true,
  },
  clusterRoles: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterroles',
    kind: 'ClusterRole',
    namespaced: false,
  },
  roleBindings: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'rolebindings',
    kind: 'RoleBinding',
    namespaced: true,
  },
  clusterRoleBindings: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
  serviceAccounts: {
    group: '',
    version: 'v1',
    plural: 'serviceaccounts',
    kind: 'ServiceAccount',
    namespaced: true,
  },
} as const satisfies Record<string, ResourceDescriptor>;

export function parsePolicyRule(v: unknown, path: Path): PolicyRule {
  const r = rec(v, path);
  return {
    verbs: strArr(r['verbs'], path, '.verbs'),
    apiGroups: strArr(r['apiGroups'], path, '.apiGroups'),
    resources: strArr(r['resources'], path, '.resources'),
    resourceNames: strArr(r['resourceNames'], path, '.resourceNames'),
    nonResourceURLs: strArr(r['nonResourceURLs'], path, '.nonResourceURLs'),
  };
}

export function parseLabelSelector(v: unknown, path: Path): LabelSelector {
  const r = rec(v, path);
  const ep = at(path, '.matchExpressions');
  return {
    matchLabels: strMap(r['matchLabels'], path, '.matchLabels'),
    matchExpressions: arr(r['matchExpressions'], ep).map((e, i) => {
      const p = at(ep, i);
      const x = rec(e, p);
      return {
        key: str(x['key'], p, '.key'),
        operator: str(x['operator'], p, '.operator'),
        values: strArr(x['values'], p, '.values'),
      };
    }),
  };
}

export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions) {
    const has = Object.hasOwn(labels, e.key);
    const val = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !e.values.includes(val as string)) return false;
        break;
      case 'NotIn':
        if (has && e.values.includes(val as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function parseRole(kind: 'Role' | 'ClusterRole') {
  return (v: unknown, path: Path): RoleObj => {
    const r = rec(v, path);
    const rp = at(path, '.rules');
    const role: RoleObj = {
      kind,
      meta: parseMeta(r['metadata'], path, '.metadata'),
      rules: arr(r['rules'], rp).map((x, i) => parsePolicyRule(x, at(rp, i))),
    };
    const agg = optRec(r['aggregationRule'], path, '.aggregationRule');
    if (agg) {
      const sp = at(at(path, '.aggregationRule'), '.clusterRoleSelectors');
      role.aggregationSelectors = arr(agg['clusterRoleSelectors'], sp).map((s, i) =>
        parseLabelSelector(s, at(sp, i)),
      );
    }
    return role;
  };
}

export const parseRoleObj = parseRole('Role');
export const parseClusterRoleObj = parseRole('ClusterRole');

const SA_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** Normalises a subject; `bindingNs` is the RoleBinding's namespace (the default for a ServiceAccount subject). */
export function parseSubject(v: unknown, path: Path, bindingNs: string | undefined): Subject {
  const r = rec(v, path);
  const kind = str(r['kind'], path, '.kind');
  const name = str(r['name'], path, '.name');
  if (kind === 'ServiceAccount') {
    const ns = optStr(r['namespace'], path, '.namespace') ?? bindingNs ?? '';
    return { kind, name, namespace: ns };
  }
  if (kind === 'User') {
    const m = SA_USER.exec(name);
    if (m) return { kind: 'ServiceAccount', namespace: m[1] ?? '', name: m[2] ?? '' };
    return { kind, name };
  }
  if (kind === 'Group') return { kind, name };
  throw new ParseIssue(
    `${String(path)}.kind`,
    `expected User, Group or ServiceAccount, got ${JSON.stringify(kind)}`,
  );
}

function parseBinding(kind: 'RoleBinding' | 'ClusterRoleBinding') {
  return (v: unknown, path: Path): BindingObj => {
    const r = rec(v, path);
    const meta = parseMeta(r['metadata'], path, '.metadata');
    const rr = rec(r['roleRef'], path, '.roleRef');
    const rp = at(path, '.roleRef');
    const refKind = str(rr['kind'], rp, '.kind');
    if (refKind !== 'Role' && refKind !== 'ClusterRole') {
      throw new ParseIssue(
        `${String(path)}.roleRef.kind`,
        `expected Role or ClusterRole, got ${JSON.stringify(refKind)}`,
      );
    }
    const ns = kind === 'RoleBinding' ? meta.namespace : undefined;
    const sp = at(path, '.subjects');
    return {
      kind,
      meta,
      roleRef: { kind: refKind, name: str(rr['name'], rp, '.name') },
      subjects: arr(r['subjects'], sp).map((s, i) => parseSubject(s, at(sp, i), ns)),
    };
  };
}

export const parseRoleBindingObj = parseBinding('RoleBinding');
export const parseClusterRoleBindingObj = parseBinding('ClusterRoleBinding');

export function parseServiceAccountObj(v: unknown, path: Path): ServiceAccountObj {
  const r = rec(v, path);
  const sa: ServiceAccountObj = { meta: parseMeta(r['metadata'], path, '.metadata') };
  const am = r['automountServiceAccountToken'];
  if (typeof am === 'boolean') sa.automountServiceAccountToken = am;
  return sa;
}

/** `User:alice`, `Group:dev`, `ServiceAccount:ns/name`: the key findings are grouped by. */
export function subjectKey(s: Subject): string {
  return s.kind === 'ServiceAccount'
    ? `ServiceAccount:${s.namespace ?? ''}/${s.name}`
    : `${s.kind}:${s.name}`;
}

/** How a subject reads in a sentence: `ServiceAccount ns/name`, `User alice`. */
export function subjectLabel(s: Subject): string {
  return s.kind === 'ServiceAccount'
    ? `ServiceAccount ${s.namespace ?? ''}/${s.name}`
    : `${s.kind} ${s.name}`;
}
