/**
 * Cross-source check, pure: compares the permissions RBAC grants (from the rbac source) with the
 * permissions the audit log shows were exercised over its window.
 *
 * - `audit.unused-grants`: grants to non-system subjects that no request in the window used. Status
 *   `manual` (input to an access review: an unused permission is a candidate for removal, but a
 *   quarterly job may simply not have run in the window); `pass` when every such grant was used.
 * - `audit.risky-grants-exercised`: risky grants (wildcards, Secret reads, exec/attach, escalate, bind,
 *   impersonate, webhook writes) that were actually used, by whom: `info`.
 */
import type { Evidence, Finding, Scalar } from '../../model/types.ts';
import type { AuditSummary } from './aggregate.ts';
import { AUDIT_RULES, FindingFactory, humanCount, windowText } from './analyze.ts';

export interface RbacSubject {
  kind: string;
  name: string;
  namespace?: string;
}

/** One grant: what a binding gives a subject (one PolicyRule of the bound role). */
export interface RbacGrant {
  subject: RbacSubject;
  verbs: string[];
  resources: string[];
  apiGroups: string[];
}

const MAX_LISTED = 50;

function subjectLabel(s: RbacSubject): string {
  return s.namespace ? `${s.kind}/${s.namespace}/${s.name}` : `${s.kind}/${s.name}`;
}

/** The username the API server logs for a User or ServiceAccount subject; undefined for groups. */
function principalOf(s: RbacSubject): string | undefined {
  if (s.kind === 'ServiceAccount') return `system:serviceaccount:${s.namespace ?? 'default'}:${s.name}`;
  if (s.kind === 'User') return s.name;
  return undefined;
}

function isSystemSubject(s: RbacSubject): boolean {
  if (s.name.startsWith('system:')) return true;
  return (
    s.kind === 'ServiceAccount' &&
    (s.namespace === 'kube-system' || s.namespace?.startsWith('kube-') === true)
  );
}

/** RBAC matching of one request key (`verb|apiGroup|resource[/subresource]`) against a grant. */
export function grantCovers(g: Pick<RbacGrant, 'verbs' | 'resources' | 'apiGroups'>, key: string): boolean {
  const [verb, group, resource] = key.split('|') as [string, string, string];
  if (!g.verbs.includes('*') && !g.verbs.includes(verb)) return false;
  if (!g.apiGroups.includes('*') && !g.apiGroups.includes(group)) return false;
  if (g.resources.includes('*') || g.resources.includes(resource)) return true;
  const slash = resource.indexOf('/');
  if (slash < 0) return false;
  const main = resource.slice(0, slash);
  const sub = resource.slice(slash + 1);
  return g.resources.includes(`${main}/*`) || g.resources.includes(`*/${sub}`);
}

/** Why a grant is risky, or undefined. */
export function riskOf(g: Pick<RbacGrant, 'verbs' | 'resources' | 'apiGroups'>): string | undefined {
  const v = (x: string) => g.verbs.includes('*') || g.verbs.includes(x);
  const r = (x: string) => g.resources.includes('*') || g.resources.includes(x);
  if (g.verbs.includes('*') && g.resources.includes('*')) return 'all verbs on all resources';
  if (g.verbs.includes('*') || g.resources.includes('*')) return 'wildcard';
  if (r('secrets') && (v('get') || v('list') || v('watch'))) return 'reads secrets';
  if (['pods/exec', 'pods/attach', 'pods/portforward'].some(r) && (v('create') || v('get')))
    return 'exec into pods';
  if (v('escalate') || v('bind')) return 'escalate/bind';
  if (v('impersonate')) return 'impersonate';
  if (
    (r('mutatingwebhookconfigurations') || r('validatingwebhookconfigurations')) &&
    ['create', 'update', 'patch', 'delete'].some(v)
  ) {
    return 'writes admission webhooks';
  }
  return undefined;
}

/** Findings and their evidence; `correlateWithRbac` returns only the findings. */
export function correlateWithRbacOutput(
  summary: AuditSummary,
  grants: RbacGrant[],
  now: Date = new Date(0),
): { findings: Finding[]; evidence: Evidence[] } {
  const f = new FindingFactory(now, []);
  const win = windowText(summary);
  const base: Record<string, Scalar> = {
    requests: summary.stats.requests,
    windowFrom: summary.window.from ?? summary.stats.firstTimestamp ?? null,
    windowTo: summary.window.to ?? summary.stats.lastTimestamp ?? null,
    grants: grants.length,
  };
  if (summary.stats.requests === 0) {
    for (const ruleId of [AUDIT_RULES.unusedGrants, AUDIT_RULES.riskyGrantsUsed]) {
      f.add(
        ruleId,
        'error',
        'medium',
        'The check could not run: the audit log holds no events in the window.',
        {},
        [],
        base,
      );
    }
    return f.result();
  }
  const usedKeys = (s: RbacSubject): string[] => {
    if (s.kind === 'Group') return summary.usage.groups[s.name] ?? [];
    const p = principalOf(s);
    return p ? (summary.usage.users[p] ?? []) : [];
  };
  const unused: { subject: string; verbs: string; resources: string; apiGroups: string }[] = [];
  const risky: { subject: string; risk: string; usedAs: string[] }[] = [];
  let considered = 0;
  const sorted = [...grants].sort((a, b) => (subjectLabel(a.subject) < subjectLabel(b.subject) ? -1 : 1));
  for (const g of sorted) {
    const keys = usedKeys(g.subject);
    const used = keys.filter((k) => grantCovers(g, k));
    const risk = riskOf(g);
    if (risk && used.length > 0)
      risky.push({ subject: subjectLabel(g.subject), risk, usedAs: used.slice(0, 10) });
    if (isSystemSubject(g.subject)) continue;
    considered++;
    if (used.length === 0) {
      unused.push({
        subject: subjectLabel(g.subject),
        verbs: g.verbs.join(','),
        resources: g.resources.join(','),
        apiGroups: g.apiGroups.map((x) => x || '""').join(','),
      });
    }
  }
  const caveat = summary.usage.truncated
    ? ' Usage tracking hit its cap, so some grants may be wrongly listed as unused.'
    : '';
  f.add(
    AUDIT_RULES.unusedGrants,
    unused.length > 0 ? 'manual' : 'pass',
    'medium',
    unused.length > 0
      ? `${unused.length} of ${considered} grant(s) to non-system subjects were not used in ${win} ` +
          `(${humanCount(summary.stats.requests)} requests); review whether they are still needed.${caveat}`
      : `Every one of ${considered} grant(s) to non-system subjects was used in ${win}.${caveat}`,
    { unused: unused.slice(0, MAX_LISTED), unusedTotal: unused.length, considered },
    [],
    { ...base, unused: unused.length, considered, usageTruncated: summary.usage.truncated },
    unused.length > 0 ? 'Remove or narrow permissions that are not needed (least privilege).' : undefined,
  );
  f.add(
    AUDIT_RULES.riskyGrantsUsed,
    'info',
    'info',
    risky.length > 0
      ? `${risky.length} risky grant(s) were exercised in ${win}: ` +
          risky
            .slice(0, 3)
            .map((r) => `${r.subject} (${r.risk})`)
            .join(', ') +
          '.'
      : `No risky grant was exercised in ${win}.`,
    { exercised: risky.slice(0, MAX_LISTED), exercisedTotal: risky.length },
    [],
    { ...base, exercised: risky.length },
  );
  return f.result();
}

/**
 * Correlates RBAC grants with the audit log's exercised permissions. Pure; the evidence these findings
 * point to comes from `correlateWithRbacOutput` (same arguments).
 */
export function correlateWithRbac(summary: AuditSummary, grants: RbacGrant[], now?: Date): Finding[] {
  return correlateWithRbacOutput(summary, grants, now).findings;
}
