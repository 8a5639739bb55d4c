/**
 * analyzeRbac: pure analysis of a cluster's RBAC objects. Findings are one per (rule, subject), except
 * `rbac.dangling-binding`, one per binding. Every rule also yields an explicit PASS finding on
 * `{kind: 'Cluster', name: 'rbac'}` when nothing violates it, but only when the RBAC lists were read and
 * parsed completely (absence of evidence is never a pass).
 */
import type { Evidence, Finding, ResourceRef, Scalar } from '../../model/types.ts';
import type { SourceOutput } from '../types.ts';
import { stableId } from '../../util/hash.ts';
import { redactValue } from '../../util/redact.ts';
import { apiPath, parseAll, sortByKey } from './kube-objects.ts';
import {
  RBAC_RESOURCES,
  parseClusterRoleBindingObj,
  parseClusterRoleObj,
  parseRoleBindingObj,
  parseRoleObj,
  parseServiceAccountObj,
  subjectLabel,
  type BindingObj,
  type PolicyRule,
  type Subject,
} from './model.ts';
import {
  exemption,
  isDefaultObject,
  resolveGrants,
  roleKey,
  type EffectiveGrant,
  type ResolvedRbac,
} from './grants.ts';
import { RBAC_RULES, type RbacRuleDef } from './rules.ts';

/** Raw Kubernetes objects as listed (items of each list). */
export interface RbacObjects {
  roles: readonly unknown[];
  clusterRoles: readonly unknown[];
  roleBindings: readonly unknown[];
  clusterRoleBindings: readonly unknown[];
  /** When given, ServiceAccount subjects that do not exist are reported as dangling. */
  serviceAccounts?: readonly unknown[];
}

export interface AnalyzeContext {
  now: () => Date;
}

/** Caps keep excerpts readable for auditors and reports bounded on large clusters. */
const MAX_PERMS_IN_MESSAGE = 4;
const MAX_WHO_CAN_DEFAULTS = 50;

interface Parsed {
  resolved: ResolvedRbac;
  roleBindings: BindingObj[];
  clusterRoleBindings: BindingObj[];
  serviceAccounts?: Set<string>;
  counts: { roles: number; clusterRoles: number; roleBindings: number; clusterRoleBindings: number };
  issues: string[];
}

function parseObjects(objects: RbacObjects): Parsed {
  const issues: string[] = [];
  const roles = parseAll(objects.roles, 'roles', parseRoleObj, issues);
  const clusterRoles = parseAll(objects.clusterRoles, 'clusterroles', parseClusterRoleObj, issues);
  const roleBindings = parseAll(objects.roleBindings, 'rolebindings', parseRoleBindingObj, issues);
  const clusterRoleBindings = parseAll(
    objects.clusterRoleBindings,
    'clusterrolebindings',
    parseClusterRoleBindingObj,
    issues,
  );
  const parsed: Parsed = {
    resolved: resolveGrants(roles, clusterRoles, roleBindings, clusterRoleBindings),
    roleBindings,
    clusterRoleBindings,
    counts: {
      roles: roles.length,
      clusterRoles: clusterRoles.length,
      roleBindings: roleBindings.length,
      clusterRoleBindings: clusterRoleBindings.length,
    },
    issues,
  };
  if (objects.serviceAccounts) {
    const sas = parseAll(objects.serviceAccounts, 'serviceaccounts', parseServiceAccountObj, issues);
    parsed.serviceAccounts = new Set(sas.map((s) => `${s.meta.namespace ?? ''}/${s.meta.name}`));
  }
  return parsed;
}

/**
 * Effective grants (subject → verbs / resources / apiGroups, via which binding and role), for audit-log
 * correlation. Kubernetes defaults are included and marked `exempt`.
 */
export function effectiveGrants(objects: RbacObjects): { grants: EffectiveGrant[]; issues: string[] } {
  const p = parseObjects(objects);
  return { grants: p.resolved.grants, issues: p.issues };
}

function bindingPath(b: { kind: string; name: string; namespace?: string }): string {
  const d = b.kind === 'RoleBinding' ? RBAC_RESOURCES.roleBindings : RBAC_RESOURCES.clusterRoleBindings;
  return apiPath(d, b.name, b.namespace);
}

function rolePath(r: { kind: string; name: string; namespace?: string }): string {
  const d = r.kind === 'Role' ? RBAC_RESOURCES.roles : RBAC_RESOURCES.clusterRoles;
  return apiPath(d, r.name, r.namespace);
}

function subjectResource(s: Subject): ResourceRef {
  const r: ResourceRef = { kind: s.kind, name: s.name };
  if (s.kind === 'ServiceAccount' && s.namespace !== undefined) r.namespace = s.namespace;
  return r;
}

function findingId(ruleId: string, r: ResourceRef): string {
  return stableId('finding', 'rbac', ruleId, '', r.kind, r.namespace, r.name);
}

function via(g: EffectiveGrant): string {
  const b = g.binding.namespace
    ? `${g.binding.kind} ${g.binding.namespace}/${g.binding.name}`
    : `${g.binding.kind} ${g.binding.name}`;
  const r = g.role.namespace
    ? `${g.role.kind} ${g.role.namespace}/${g.role.name}`
    : `${g.role.kind} ${g.role.name}`;
  return `${b} → ${r}`;
}

interface Hit {
  grant: EffectiveGrant;
  perms: string[];
}

class EvidenceSet {
  readonly map = new Map<string, Evidence>();
  readonly collectedAt: string;
  constructor(collectedAt: string) {
    this.collectedAt = collectedAt;
  }
  add(e: Omit<Evidence, 'id' | 'source' | 'collectedAt'> & { key: string }): string {
    const id = stableId('evidence', 'rbac', e.key);
    if (!this.map.has(id)) {
      this.map.set(id, {
        id,
        source: 'rbac',
        kind: e.kind,
        collectedAt: this.collectedAt,
        locator: e.locator,
        excerpt: redactValue(e.excerpt),
      });
    }
    return id;
  }
}

/** Analyzes RBAC objects (pure). */
export function analyzeRbac(objects: RbacObjects, ctx: AnalyzeContext): SourceOutput {
  const collectedAt = ctx.now().toISOString();
  const p = parseObjects(objects);
  const { resolved } = p;
  const ev = new EvidenceSet(collectedAt);
  const bindingsByKey = new Map<string, BindingObj>();
  for (const b of [...p.clusterRoleBindings, ...p.roleBindings]) {
    bindingsByKey.set(bindingPath({ kind: b.kind, name: b.meta.name, namespace: b.meta.namespace }), b);
  }

  const bindingEvidence = (b: BindingObj): string => {
    const path = bindingPath({ kind: b.kind, name: b.meta.name, namespace: b.meta.namespace });
    return ev.add({
      key: path,
      kind: 'api-object',
      locator: { apiPath: path },
      excerpt: {
        kind: b.kind,
        name: b.meta.name,
        ...(b.kind === 'RoleBinding' ? { namespace: b.meta.namespace } : {}),
        ...(isDefaultObject(b.meta.labels)
          ? { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } }
          : {}),
        roleRef: b.roleRef,
        subjects: b.subjects,
      },
    });
  };
  const roleEvidence = (ref: { kind: string; name: string; namespace?: string }): string => {
    const path = rolePath(ref);
    const key = roleKey(ref.kind, ref.name, ref.namespace);
    const role = resolved.roles.get(key);
    const rules: PolicyRule[] = resolved.rulesByRole.get(key) ?? [];
    return ev.add({
      key: path,
      kind: 'api-object',
      locator: { apiPath: path },
      excerpt: {
        kind: ref.kind,
        name: ref.name,
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
        ...(role?.aggregationSelectors
          ? { aggregationRule: { clusterRoleSelectors: role.aggregationSelectors } }
          : {}),
        rules: rules.map(compactRule),
      },
    });
  };

  // rule id → subject key → hits; exempt default grants are counted per rule for the who-can view.
  const hits = new Map<string, Map<string, Hit[]>>();
  const exemptHits = new Map<string, Map<string, string[]>>();
  const grantRules = RBAC_RULES.filter(
    (r): r is RbacRuleDef & { match: NonNullable<RbacRuleDef['match']> } => !!r.match,
  );
  for (const g of resolved.grants) {
    for (const rule of grantRules) {
      const perms = rule.match(g);
      if (perms.length === 0) continue;
      if (g.exempt) {
        let m = exemptHits.get(rule.id);
        if (!m) exemptHits.set(rule.id, (m = new Map<string, string[]>()));
        const list = m.get(g.subjectKey) ?? [];
        list.push(...perms);
        m.set(g.subjectKey, list);
        continue;
      }
      let m = hits.get(rule.id);
      if (!m) hits.set(rule.id, (m = new Map<string, Hit[]>()));
      const list = m.get(g.subjectKey);
      if (list) list.push({ grant: g, perms });
      else m.set(g.subjectKey, [{ grant: g, perms }]);
    }
  }

  const findings: Finding[] = [];
  const complete = p.issues.length === 0 && p.counts.clusterRoles + p.counts.clusterRoleBindings > 0;

  for (const rule of grantRules) {
    const bySubject = hits.get(rule.id) ?? new Map<string, Hit[]>();
    const exempt = exemptHits.get(rule.id) ?? new Map<string, string[]>();
    const whoCan = ev.add({
      key: `who-can/${rule.id}`,
      kind: 'derived',
      locator: {},
      excerpt: {
        view: 'who-can',
        rule: rule.id,
        permission: rule.title,
        subjects: [...bySubject.entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, list]) => ({
            subject: key,
            permissions: uniq(list.flatMap((h) => h.perms)),
            via: uniq(list.map((h) => via(h.grant))),
          })),
        kubernetesDefaults: {
          count: exempt.size,
          subjects: [...exempt.keys()].sort().slice(0, MAX_WHO_CAN_DEFAULTS),
        },
      },
    });
    for (const list of bySubject.values()) {
      const subject = (list[0] as Hit).grant.subject;
      const resource = subjectResource(subject);
      const perms = uniq(list.flatMap((h) => h.perms));
      const routes = uniq(list.map((h) => via(h.grant)));
      const namespaces = uniq(list.map((h) => h.grant.namespace ?? '*'));
      const evidenceIds = new Set<string>([whoCan]);
      for (const h of list) {
        const b = bindingsByKey.get(bindingPath(h.grant.binding));
        if (b) evidenceIds.add(bindingEvidence(b));
        evidenceIds.add(roleEvidence(h.grant.role));
      }
      const shown =
        perms.slice(0, MAX_PERMS_IN_MESSAGE).join('; ') +
        (perms.length > MAX_PERMS_IN_MESSAGE ? `; +${perms.length - MAX_PERMS_IN_MESSAGE} more` : '');
      const scope = namespaces.includes('*')
        ? 'cluster-wide'
        : `in namespace${namespaces.length > 1 ? 's' : ''} ${namespaces.join(', ')}`;
      const props: Record<string, Scalar> = {
        scope: namespaces.includes('*') ? 'cluster' : 'namespace',
        namespaces: namespaces.join(','),
        bindings: routes.length,
        permissions: perms.join('; '),
      };
      findings.push(
        failFinding(
          rule,
          resource,
          `${subjectLabel(subject)} holds ${shown} ${scope} (${rule.risk}) via ${routes.slice(0, 3).join(', ')}${routes.length > 3 ? ` and ${routes.length - 3} more` : ''}.`,
          [...evidenceIds].sort(),
          props,
        ),
      );
    }
    if (bySubject.size === 0 && complete) {
      findings.push(
        passFinding(
          rule,
          `No subject outside the Kubernetes defaults holds this permission (${exempt.size} default subject${exempt.size === 1 ? '' : 's'} exempt).`,
          [whoCan],
        ),
      );
    }
  }

  // Role-definition rules (wildcards): one finding per non-default role, with the subjects bound to it.
  const boundTo = new Map<string, Set<string>>();
  for (const g of resolved.grants) {
    const k = roleKey(g.role.kind, g.role.name, g.role.namespace);
    const set = boundTo.get(k);
    if (set) set.add(g.subjectKey);
    else boundTo.set(k, new Set([g.subjectKey]));
  }
  const roleRules = RBAC_RULES.filter(
    (r): r is RbacRuleDef & { matchPolicy: NonNullable<RbacRuleDef['matchPolicy']> } => !!r.matchPolicy,
  );
  const sortedRoles = [...resolved.roles.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const rule of roleRules) {
    const offenders: { key: string; role: (typeof sortedRoles)[number][1]; matched: string[] }[] = [];
    const defaults: string[] = [];
    for (const [key, role] of sortedRoles) {
      const matched = uniq(role.rules.flatMap((r) => rule.matchPolicy(r)));
      if (matched.length === 0) continue;
      if (isDefaultObject(role.meta.labels)) defaults.push(key);
      else offenders.push({ key, role, matched });
    }
    const whoCan = ev.add({
      key: `who-can/${rule.id}`,
      kind: 'derived',
      locator: {},
      excerpt: {
        view: 'who-can',
        rule: rule.id,
        permission: rule.title,
        roles: offenders.map((o) => ({
          role: o.key,
          rules: o.matched,
          boundTo: [...(boundTo.get(o.key) ?? [])].sort(),
        })),
        kubernetesDefaults: { count: defaults.length, roles: defaults.slice(0, MAX_WHO_CAN_DEFAULTS) },
      },
    });
    for (const o of offenders) {
      const ref = {
        kind: o.role.kind,
        name: o.role.meta.name,
        ...(o.role.kind === 'Role' && o.role.meta.namespace !== undefined
          ? { namespace: o.role.meta.namespace }
          : {}),
      };
      const resource: ResourceRef = { ...ref };
      const subjects = [...(boundTo.get(o.key) ?? [])].sort();
      const where = resource.namespace ? `${resource.namespace}/${resource.name}` : resource.name;
      findings.push(
        failFinding(
          rule,
          resource,
          `${o.role.kind} ${where} grants ${o.matched.slice(0, MAX_PERMS_IN_MESSAGE).join('; ')} (${rule.risk}); ${subjects.length ? `bound to ${subjects.slice(0, 5).join(', ')}${subjects.length > 5 ? ` and ${subjects.length - 5} more` : ''}` : 'not bound to any subject'}.`,
          [roleEvidence(ref), whoCan].sort(),
          { boundSubjects: subjects.length, rules: o.matched.join('; ') },
        ),
      );
    }
    if (offenders.length === 0 && complete) {
      findings.push(
        passFinding(
          rule,
          `No role outside the Kubernetes defaults uses this wildcard (${defaults.length} default role${defaults.length === 1 ? '' : 's'} exempt).`,
          [whoCan],
        ),
      );
    }
  }

  // Dangling bindings: missing roleRef, or (when service accounts are known) missing ServiceAccount subjects.
  const dangling = RBAC_RULES.find((r) => r.id === 'rbac.dangling-binding') as RbacRuleDef;
  const danglingFindings: Finding[] = [];
  const missingRole = new Set(resolved.danglingRoleRefs);
  for (const b of [...p.clusterRoleBindings, ...p.roleBindings]) {
    const problems: string[] = [];
    if (missingRole.has(b) && !isDefaultObject(b.meta.labels)) {
      const ns = b.roleRef.kind === 'Role' ? `${b.meta.namespace ?? ''}/` : '';
      problems.push(`its roleRef ${b.roleRef.kind} ${ns}${b.roleRef.name} does not exist`);
    }
    if (p.serviceAccounts) {
      for (const s of b.subjects) {
        if (s.kind !== 'ServiceAccount' || exemption(b, s, []) !== undefined) continue;
        if (!p.serviceAccounts.has(`${s.namespace ?? ''}/${s.name}`))
          problems.push(`its subject ${subjectLabel(s)} does not exist`);
      }
    }
    if (problems.length === 0) continue;
    const resource: ResourceRef = { kind: b.kind, name: b.meta.name };
    if (b.kind === 'RoleBinding' && b.meta.namespace !== undefined) resource.namespace = b.meta.namespace;
    danglingFindings.push(
      failFinding(
        dangling,
        resource,
        `${b.kind} ${resource.namespace ? resource.namespace + '/' : ''}${b.meta.name}: ${problems.join('; ')} (${dangling.risk}).`,
        [bindingEvidence(b)],
        { roleRefMissing: missingRole.has(b), problems: problems.length },
      ),
    );
  }
  findings.push(...danglingFindings);
  if (danglingFindings.length === 0 && complete) {
    const summaryId = ev.add({
      key: 'dangling-check',
      kind: 'derived',
      locator: {},
      excerpt: {
        view: 'binding-resolution',
        bindingsChecked: p.counts.roleBindings + p.counts.clusterRoleBindings,
        serviceAccountsChecked: p.serviceAccounts !== undefined,
      },
    });
    const saNote = p.serviceAccounts
      ? ' and every ServiceAccount subject exists'
      : ' (service accounts were not read, so ServiceAccount subjects were not checked)';
    findings.push(passFinding(dangling, `Every binding's roleRef resolves${saNote}.`, [summaryId]));
  }

  const notes: string[] = [];
  if (p.issues.length > 0) notes.push(...p.issues.slice(0, 20).map((i) => `skipped malformed object: ${i}`));
  if (!complete) notes.push('PASS findings withheld: the RBAC lists were empty or not read completely.');
  if (!p.serviceAccounts)
    notes.push('Service accounts not read: dangling ServiceAccount subjects were not checked.');

  const exemptGrants = resolved.grants.reduce((n, g) => n + (g.exempt ? 1 : 0), 0);
  const out: SourceOutput = {
    findings: sortByKey(
      findings,
      (f) =>
        `${f.ruleId}\u0000${f.status}\u0000${f.resource?.kind}\u0000${f.resource?.namespace ?? ''}\u0000${f.resource?.name}`,
    ),
    evidence: sortByKey(ev.map.values(), (e) => e.id),
    inputs: [],
    stats: {
      roles: p.counts.roles,
      clusterRoles: p.counts.clusterRoles,
      roleBindings: p.counts.roleBindings,
      clusterRoleBindings: p.counts.clusterRoleBindings,
      grants: resolved.grants.length,
      exemptGrants,
      malformed: p.issues.length,
    },
    notes,
  };
  if (p.issues.length > 0) {
    out.partialError = {
      code: 'rbac-malformed',
      message: `${p.issues.length} RBAC object(s) skipped as malformed; first: ${p.issues[0]}`,
      hint: 'Check the API server version or the snapshot file these objects came from.',
    };
  }
  return out;
}

/** A failing finding of a rule on one resource (a subject, a role or a binding). */
function failFinding(
  rule: RbacRuleDef,
  resource: ResourceRef,
  message: string,
  evidenceIds: string[],
  properties: Record<string, Scalar>,
): Finding {
  return {
    id: findingId(rule.id, resource),
    source: 'rbac',
    ruleId: rule.id,
    title: rule.title,
    status: 'fail',
    nativeStatus: 'fail',
    severity: rule.severity,
    resource,
    message,
    remediation: rule.remediation,
    evidenceIds,
    properties,
  };
}

function passFinding(rule: RbacRuleDef, message: string, evidenceIds: string[]): Finding {
  const resource: ResourceRef = { kind: 'Cluster', name: 'rbac' };
  return {
    id: findingId(rule.id, resource),
    source: 'rbac',
    ruleId: rule.id,
    title: rule.title,
    status: 'pass',
    nativeStatus: 'pass',
    severity: rule.severity,
    resource,
    message,
    evidenceIds,
  };
}

function compactRule(r: PolicyRule): Record<string, string[]> {
  const out: Record<string, string[]> = { verbs: r.verbs };
  if (r.apiGroups.length) out['apiGroups'] = r.apiGroups;
  if (r.resources.length) out['resources'] = r.resources;
  if (r.resourceNames.length) out['resourceNames'] = r.resourceNames;
  if (r.nonResourceURLs.length) out['nonResourceURLs'] = r.nonResourceURLs;
  return out;
}

function uniq(a: string[]): string[] {
  return [...new Set(a)];
}
