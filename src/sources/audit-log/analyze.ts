/**
 * Pure: turns an AuditSummary into findings and evidence. One finding per check, each with a derived
 * evidence (the check's bounded aggregates) and up to `sampleCap` audit-event evidences (redacted
 * fields of individual events, located by file + line or JSON pointer + auditID).
 *
 * Status: `fail` when something risky happened; `pass` when the check found nothing risky over a
 * non-empty window; `info` for inventories; `skipped` when the log level hides what the check needs
 * (request bodies); `error` for every check when the window holds no events (empty or unreadable log).
 */
import type { Evidence, Finding, FindingStatus, InputRecord, Scalar, Severity } from '../../model/types.ts';
import type { SourceOutput } from '../types.ts';
import { stableId } from '../../util/hash.ts';
import { redactValue } from '../../util/redact.ts';
import type { AuditSummary, Tally } from './aggregate.ts';
import type { SampleEvent } from './types.ts';

export const SOURCE_ID = 'audit-log' as const;

/** Rule ids of the audit-log source (see mappings/sources/audit-log.yaml). */
export const AUDIT_RULES = {
  coverage: 'audit.logging-coverage',
  levels: 'audit.logging-levels',
  anonymous: 'audit.anonymous-requests',
  secrets: 'audit.secret-reads',
  exec: 'audit.exec-attach-portforward',
  rbac: 'audit.rbac-changes',
  clusterAdmin: 'audit.cluster-admin-grants',
  impersonation: 'audit.impersonation',
  authBursts: 'audit.auth-failure-bursts',
  privileged: 'audit.privileged-pods',
  webhooks: 'audit.admission-webhook-changes',
  unusedGrants: 'audit.unused-grants',
  riskyGrantsUsed: 'audit.risky-grants-exercised',
} as const;

const TITLES: Record<string, string> = {
  [AUDIT_RULES.coverage]: 'API server audit logging covers the review window without gaps',
  [AUDIT_RULES.levels]: 'Audit levels recorded',
  [AUDIT_RULES.anonymous]: 'No anonymous requests were allowed beyond public health endpoints',
  [AUDIT_RULES.secrets]: 'Secrets are read only by expected system components',
  [AUDIT_RULES.exec]: 'Interactive access to pods (exec, attach, port-forward)',
  [AUDIT_RULES.rbac]: 'RBAC changes (roles and bindings created, changed or deleted)',
  [AUDIT_RULES.clusterAdmin]: 'No new grants of cluster-admin',
  [AUDIT_RULES.impersonation]: 'Impersonation of other users',
  [AUDIT_RULES.authBursts]: 'No bursts of authentication or authorization failures',
  [AUDIT_RULES.privileged]: 'No privileged or host-namespace pods were created',
  [AUDIT_RULES.webhooks]: 'Admission webhook configurations were not changed',
  [AUDIT_RULES.unusedGrants]: 'Granted permissions were exercised in the review window',
  [AUDIT_RULES.riskyGrantsUsed]: 'Risky RBAC grants exercised in the review window',
};

/** What read() hands to normalize(): the summary and what was read. */
export interface AuditLogRaw {
  paths: string[];
  summary: AuditSummary;
  inputs: InputRecord[];
  unreadable: { path: string; message: string }[];
}

/** `1234567` → `1.2M`; exact numbers stay in the finding's properties. */
export function humanCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function day(iso: string | undefined): string {
  return iso ? iso.slice(0, 16).replace('T', ' ') + 'Z' : '?';
}

/** The window the checks speak about: the requested period, else the first and last event. */
export function windowText(s: AuditSummary): string {
  return `${day(s.window.from ?? s.stats.firstTimestamp)}..${day(s.window.to ?? s.stats.lastTimestamp)}`;
}

interface Builder {
  findings: Finding[];
  evidence: Map<string, Evidence>;
}

/** Shared finding/evidence construction, also used by correlateWithRbac. */
export class FindingFactory {
  readonly out: Builder = { findings: [], evidence: new Map() };
  private readonly collectedAt: string;
  private readonly sha: Map<string, string>;
  constructor(now: Date, inputs: InputRecord[]) {
    this.collectedAt = now.toISOString();
    this.sha = new Map(inputs.filter((i) => i.sha256).map((i) => [i.path, i.sha256!]));
  }

  sampleEvidence(s: SampleEvent): string {
    const { origin, ...fields } = s;
    const where = origin.line !== undefined ? String(origin.line) : (origin.pointer ?? '');
    const id = stableId('ev', SOURCE_ID, origin.file, where, s.auditID);
    if (!this.out.evidence.has(id)) {
      const ev: Evidence = {
        id,
        source: SOURCE_ID,
        kind: 'audit-event',
        collectedAt: this.collectedAt,
        locator: {
          file: origin.file,
          ...(origin.line !== undefined ? { line: origin.line } : {}),
          ...(origin.pointer !== undefined ? { pointer: origin.pointer } : {}),
          auditIds: [s.auditID],
        },
        excerpt: redactValue(fields),
      };
      const sha = this.sha.get(origin.file);
      if (sha) ev.sha256 = sha;
      this.out.evidence.set(id, ev);
    }
    return id;
  }

  add(
    ruleId: string,
    status: FindingStatus,
    severity: Severity,
    message: string,
    aggregates: Record<string, unknown>,
    samples: SampleEvent[],
    properties: Record<string, Scalar>,
    remediation?: string,
  ): Finding {
    const derivedId = stableId('ev', SOURCE_ID, 'derived', ruleId);
    this.out.evidence.set(derivedId, {
      id: derivedId,
      source: SOURCE_ID,
      kind: 'derived',
      collectedAt: this.collectedAt,
      locator: { auditIds: samples.map((s) => s.auditID) },
      excerpt: redactValue(aggregates),
    });
    const f: Finding = {
      id: stableId('finding', SOURCE_ID, ruleId),
      source: SOURCE_ID,
      ruleId,
      title: TITLES[ruleId] ?? ruleId,
      status,
      nativeStatus: status,
      severity,
      message,
      evidenceIds: [derivedId, ...samples.map((s) => this.sampleEvidence(s))],
      properties,
    };
    if (remediation) f.remediation = remediation;
    this.out.findings.push(f);
    return f;
  }

  result(): { findings: Finding[]; evidence: Evidence[] } {
    const evidence = [...this.out.evidence.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    const findings = [...this.out.findings].sort((a, b) => (a.ruleId < b.ruleId ? -1 : 1));
    return { findings, evidence };
  }
}

function tallyProps(t: Tally): Record<string, Scalar> {
  return { count: t.count, samplesShown: t.samples.length };
}

/** Builds every audit check's finding from the summary. Pure. */
export function analyzeAudit(raw: AuditLogRaw, now: Date): SourceOutput {
  const s = raw.summary;
  const st = s.stats;
  const f = new FindingFactory(now, raw.inputs);
  const win = windowText(s);
  const reqs = `${humanCount(st.requests)} requests`;
  const base: Record<string, Scalar> = {
    requests: st.requests,
    windowFrom: s.window.from ?? st.firstTimestamp ?? null,
    windowTo: s.window.to ?? st.lastTimestamp ?? null,
  };
  const notes = [...s.notes];
  if (st.malformed > 0) notes.push(`${st.malformed} malformed or truncated line(s) were skipped`);
  if (st.outOfWindow > 0) notes.push(`${st.outOfWindow} event(s) outside the requested window were ignored`);
  for (const u of raw.unreadable) notes.push(`${u.path}: ${u.message}`);

  if (st.requests === 0) {
    const why =
      raw.unreadable.length > 0 && raw.inputs.length === 0
        ? `no audit log could be read (${raw.unreadable.map((u) => `${u.path}: ${u.message}`).join('; ')})`
        : `no audit events in ${s.window.from || s.window.to ? win : 'the input'} ` +
          `(${raw.inputs.length} file(s), ${st.lines} line(s), ${st.malformed} malformed)`;
    for (const ruleId of Object.values(AUDIT_RULES)) {
      if (ruleId === AUDIT_RULES.unusedGrants || ruleId === AUDIT_RULES.riskyGrantsUsed) continue;
      f.add(
        ruleId,
        'error',
        'high',
        `The check could not run: ${why}.`,
        { stats: st, window: s.window },
        [],
        base,
      );
    }
  } else {
    coverage(f, s, win, reqs, base);
    checks(f, s, win, reqs, base);
  }
  const { findings, evidence } = f.result();
  const out: SourceOutput = {
    findings,
    evidence,
    inputs: raw.inputs,
    stats: {
      lines: st.lines,
      requests: st.requests,
      malformed: st.malformed,
      firstTimestamp: st.firstTimestamp ?? null,
      lastTimestamp: st.lastTimestamp ?? null,
      events: st.events,
      duplicates: st.duplicates,
      outOfWindow: st.outOfWindow,
    },
    notes,
  };
  if (raw.unreadable.length > 0) {
    out.partialError = {
      code: 'audit-log-unreadable',
      message: `${raw.unreadable.length} audit log path(s) could not be read: ${raw.unreadable
        .map((u) => `${u.path} (${u.message})`)
        .join(', ')}`,
      hint: 'check the --audit-log paths and that kubeproof may read them (hostPath mount, file permissions)',
    };
  }
  return out;
}

function coverage(
  f: FindingFactory,
  s: AuditSummary,
  win: string,
  reqs: string,
  base: Record<string, Scalar>,
): void {
  const gh = s.options.gapHours;
  const levels = Object.entries(s.levels)
    .map(([l, n]) => `${l} ${humanCount(n)}`)
    .join(', ');
  const agg = {
    window: s.window,
    stats: s.stats,
    gaps: s.gaps,
    gapCount: s.gapCount,
    bucketMinutes: s.bucketMinutes,
  };
  if (s.gapCount > 0) {
    const g = s.gaps[0]!;
    f.add(
      AUDIT_RULES.coverage,
      'fail',
      'high',
      `Audit logging has ${s.gapCount} gap(s) longer than ${gh} h in ${win} (${reqs}); the first runs ` +
        `${day(g.from)}..${day(g.to)} (${g.hours} h): audit records are missing for that time.`,
      agg,
      [],
      { ...base, gaps: s.gapCount, gapHours: gh },
      'Check that the API server ran with --audit-log-path/--audit-policy-file throughout and that rotated ' +
        'files (--audit-log-maxbackup, --audit-log-maxage) and shipped logs were all supplied.',
    );
  } else {
    f.add(
      AUDIT_RULES.coverage,
      'pass',
      'high',
      `Audit events cover ${win} without a gap longer than ${gh} h (${reqs}).`,
      agg,
      [],
      { ...base, gaps: 0, gapHours: gh },
    );
  }
  const onlyMetadata = Object.keys(s.levels).every((l) => l === 'Metadata');
  f.add(
    AUDIT_RULES.levels,
    'info',
    'info',
    `Audit levels seen in ${win}: ${levels}.` +
      (onlyMetadata
        ? ' Request bodies are not logged, so cluster-admin grants and privileged pods cannot be inspected.'
        : ''),
    { levels: s.levels, verbs: s.verbs },
    [],
    { ...base, ...Object.fromEntries(Object.entries(s.levels).map(([k, v]) => [`level${k}`, v])) },
  );
}

function checks(
  f: FindingFactory,
  s: AuditSummary,
  win: string,
  reqs: string,
  base: Record<string, Scalar>,
): void {
  const a = s.anonymous;
  const anonMsg = `${humanCount(a.denied.count)} anonymous request(s) denied, ${humanCount(a.allowedPublic)} to public health/version endpoints`;
  if (a.allowedRisky.count > 0) {
    f.add(
      AUDIT_RULES.anonymous,
      'fail',
      'high',
      `${humanCount(a.allowedRisky.count)} anonymous request(s) were allowed beyond public endpoints in ${win} (${reqs}); ${anonMsg}.`,
      {
        allowed: a.allowedRisky.count,
        allowedPublic: a.allowedPublic,
        denied: a.denied.count,
        bySourceIP: a.bySourceIP,
      },
      a.allowedRisky.samples,
      { ...base, ...tallyProps(a.allowedRisky), denied: a.denied.count, allowedPublic: a.allowedPublic },
      'Run the API server with --anonymous-auth=false (or an AuthenticationConfiguration limiting anonymous ' +
        'access to health endpoints) and remove RBAC bindings to system:anonymous / system:unauthenticated.',
    );
  } else {
    f.add(
      AUDIT_RULES.anonymous,
      'pass',
      'high',
      `No anonymous requests were allowed beyond public endpoints in ${win} (${reqs}); ${anonMsg}.`,
      { allowedPublic: a.allowedPublic, denied: a.denied.count },
      a.denied.samples.slice(0, 5),
      { ...base, count: 0, denied: a.denied.count, allowedPublic: a.allowedPublic },
    );
  }

  const sr = s.secretReads;
  const srAgg = {
    total: sr.total,
    denied: sr.denied,
    principals: sr.principals,
    byPrincipal: sr.byPrincipal,
  };
  if (sr.flagged.count > 0) {
    const who = [...new Set(sr.flagged.samples.map((x) => x.user))].slice(0, 5).join(', ');
    f.add(
      AUDIT_RULES.secrets,
      'fail',
      'high',
      `${humanCount(sr.flagged.count)} Secret read(s) by people or unexpected service accounts in ${win} ` +
        `(e.g. ${who}); ${humanCount(sr.total)} Secret reads by ${sr.principals} principal(s) in all.`,
      srAgg,
      sr.flagged.samples,
      { ...base, ...tallyProps(sr.flagged), secretReads: sr.total, principals: sr.principals },
      'Review who needs get/list/watch on secrets; remove those grants from people and workloads that do not ' +
        'need them, and prefer mounted Secrets or an external secret store.',
    );
  } else {
    f.add(
      AUDIT_RULES.secrets,
      'pass',
      'high',
      `No Secret reads by people or unexpected service accounts in ${win} (${reqs}); ` +
        `${humanCount(sr.total)} Secret reads by ${sr.principals} expected principal(s).`,
      srAgg,
      [],
      { ...base, count: 0, secretReads: sr.total, principals: sr.principals },
    );
  }

  const ex = s.exec;
  f.add(
    AUDIT_RULES.exec,
    ex.tally.count > 0 ? 'fail' : 'pass',
    'medium',
    ex.tally.count > 0
      ? `${humanCount(ex.tally.count)} interactive session(s) into pods in ${win} (` +
          Object.entries(ex.byKind)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ') +
          `) by ${ex.byPrincipal.length} principal(s); each gives shell-level access inside a workload.`
      : `No exec, attach or port-forward into pods in ${win} (${reqs}).`,
    { byKind: ex.byKind, byPrincipal: ex.byPrincipal },
    ex.tally.samples,
    { ...base, ...tallyProps(ex.tally) },
    ex.tally.count > 0
      ? 'Confirm each session was authorised (change or incident ticket); restrict create on pods/exec, ' +
          'pods/attach and pods/portforward to break-glass roles.'
      : undefined,
  );

  const rc = s.rbacChanges;
  f.add(
    AUDIT_RULES.rbac,
    'info',
    'info',
    rc.tally.count > 0
      ? `${humanCount(rc.tally.count)} RBAC change(s) in ${win}: ` +
          Object.entries(rc.byResourceVerb)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ') +
          '.'
      : `No RBAC roles or bindings were changed in ${win} (${reqs}).`,
    { byResourceVerb: rc.byResourceVerb, byPrincipal: rc.byPrincipal },
    rc.tally.samples,
    { ...base, ...tallyProps(rc.tally) },
  );

  const ca = s.clusterAdminGrants;
  if (ca.tally.count > 0) {
    f.add(
      AUDIT_RULES.clusterAdmin,
      'fail',
      'critical',
      `${ca.tally.count} binding write(s) granting cluster-admin in ${win}: ` +
        ca.tally.samples
          .slice(0, 3)
          .map((x) => `${x.name ?? '?'} by ${x.user}`)
          .join('; ') +
        '.',
      { count: ca.tally.count, unseenBindingWrites: ca.unseenBindingWrites },
      ca.tally.samples,
      { ...base, ...tallyProps(ca.tally), unseenBindingWrites: ca.unseenBindingWrites },
      'Confirm each grant was approved; bind narrower roles instead of cluster-admin.',
    );
  } else if (ca.unseenBindingWrites > 0) {
    f.add(
      AUDIT_RULES.clusterAdmin,
      'skipped',
      'critical',
      `${ca.unseenBindingWrites} role binding write(s) in ${win} were logged without their request body, so ` +
        'grants of cluster-admin cannot be ruled out.',
      { unseenBindingWrites: ca.unseenBindingWrites },
      [],
      { ...base, count: 0, unseenBindingWrites: ca.unseenBindingWrites },
      'Log rbac.authorization.k8s.io writes at the Request level in the audit policy.',
    );
  } else {
    f.add(
      AUDIT_RULES.clusterAdmin,
      'pass',
      'critical',
      `No binding to cluster-admin was created or changed in ${win} (${reqs}).`,
      { count: 0 },
      [],
      { ...base, count: 0, unseenBindingWrites: 0 },
    );
  }

  const im = s.impersonation;
  f.add(
    AUDIT_RULES.impersonation,
    im.tally.count > 0 ? 'fail' : 'pass',
    'medium',
    im.tally.count > 0
      ? `${humanCount(im.tally.count)} request(s) made while impersonating another user in ${win}: ` +
          im.pairs
            .slice(0, 3)
            .map((p) => `${p.principal} (${p.count})`)
            .join(', ') +
          `; ${im.denied} impersonated request(s) denied.`
      : `No impersonated requests were allowed in ${win} (${reqs}); ${im.denied} denied.`,
    { pairs: im.pairs, denied: im.denied },
    im.tally.samples,
    { ...base, ...tallyProps(im.tally), denied: im.denied },
    im.tally.count > 0
      ? 'Confirm who holds the impersonate verb and that each use was authorised.'
      : undefined,
  );

  const af = s.authFailures;
  const o = s.options;
  f.add(
    AUDIT_RULES.authBursts,
    af.bursts.length > 0 ? 'fail' : 'pass',
    'medium',
    af.bursts.length > 0
      ? `${af.bursts.length} principal/source IP pair(s) had ${o.burstThreshold}+ 401/403 responses within ` +
          `${o.burstWindowMinutes} min in ${win}: ` +
          af.bursts
            .slice(0, 3)
            .map(
              (b) => `${b.principal || '(unauthenticated)'} from ${b.sourceIP || '?'} (max ${b.maxInWindow})`,
            )
            .join('; ') +
          '.'
      : `No burst of ${o.burstThreshold}+ 401/403 responses within ${o.burstWindowMinutes} min from one ` +
          `principal and source IP in ${win} (${reqs}; ${humanCount(af.total)} 401/403 in all).`,
    { threshold: o.burstThreshold, windowMinutes: o.burstWindowMinutes, total: af.total, bursts: af.bursts },
    af.samples,
    { ...base, bursts: af.bursts.length, authFailures: af.total, threshold: o.burstThreshold },
    af.bursts.length > 0
      ? 'Investigate the source: credential guessing, a misconfigured client or a revoked token.'
      : undefined,
  );

  const pp = s.privilegedPods;
  if (pp.tally.count > 0) {
    f.add(
      AUDIT_RULES.privileged,
      'fail',
      'high',
      `${humanCount(pp.tally.count)} pod or workload write(s) in ${win} set ` +
        Object.entries(pp.byFlag)
          .map(([k, n]) => `${k} (${n})`)
          .join(', ') +
        '.',
      { byFlag: pp.byFlag, unseenPodWrites: pp.unseenPodWrites },
      pp.tally.samples,
      { ...base, ...tallyProps(pp.tally), unseenPodWrites: pp.unseenPodWrites },
      'Enforce the restricted or baseline Pod Security Standard on application namespaces.',
    );
  } else if (pp.unseenPodWrites > 0) {
    f.add(
      AUDIT_RULES.privileged,
      'skipped',
      'high',
      `${humanCount(pp.unseenPodWrites)} pod creation(s) in ${win} were logged without their request body, so ` +
        'privileged pods cannot be ruled out from the audit log.',
      { unseenPodWrites: pp.unseenPodWrites },
      [],
      { ...base, count: 0, unseenPodWrites: pp.unseenPodWrites },
      'Log pod creation at the Request level in the audit policy, or rely on the workloads source.',
    );
  } else {
    f.add(
      AUDIT_RULES.privileged,
      'pass',
      'high',
      `No pod with privileged, hostPID, hostIPC or hostNetwork was created in ${win} (${reqs}).`,
      { byFlag: {} },
      [],
      { ...base, count: 0, unseenPodWrites: 0 },
    );
  }

  const wh = s.webhookChanges;
  f.add(
    AUDIT_RULES.webhooks,
    wh.tally.count > 0 ? 'fail' : 'pass',
    'high',
    wh.tally.count > 0
      ? `${wh.tally.count} admission webhook or policy configuration change(s) in ${win}: ` +
          Object.entries(wh.byResourceVerb)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ') +
          '; such changes can switch off policy enforcement.'
      : `No admission webhook configuration was changed in ${win} (${reqs}).`,
    { byResourceVerb: wh.byResourceVerb },
    wh.tally.samples,
    { ...base, ...tallyProps(wh.tally) },
    wh.tally.count > 0
      ? 'Confirm each change was approved (change ticket) and made by the platform team.'
      : undefined,
  );
}
