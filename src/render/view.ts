/**
 * The view model of the HTML and PDF reports: plain objects (handlebars refuses class getters), every
 * string still raw (handlebars escapes it), every number and SVG coordinate precomputed. Pure.
 */
import { periodFacts } from '../report/period.ts';
import type {
  ControlResult,
  ControlStatus,
  Evidence,
  Finding,
  FindingStatus,
  FrameworkResult,
  ReportModel,
  Severity,
} from '../model/types.ts';
import { CONTROL_STATUSES, SEVERITIES } from '../model/types.ts';

export type ViewMode = 'screen' | 'print';

export interface ViewOptions {
  mode: ViewMode;
  reportSha256: string;
  renderedAt: string;
  /** Page numbers of TOC anchors (print mode, second pass). */
  pages?: Record<string, number>;
}

/** Caps that keep a 20,000-finding report readable; full lists are in findings.csv and report.json. */
export const CAPS = {
  screen: {
    findingsPerControl: 15,
    evidencePerControl: 3,
    rowsPerRule: 25,
    unmapped: 200,
    excerptChars: 700,
  },
  print: { findingsPerControl: 10, evidencePerControl: 2, rowsPerRule: 8, unmapped: 50, excerptChars: 500 },
} as const;

export const STATUS_LABEL: Record<ControlStatus, string> = {
  fail: 'Fail',
  pass: 'Pass',
  waived: 'Waived',
  incomplete: 'Incomplete',
  manual: 'Manual',
  attested: 'Attested',
  'not-assessed': 'Not assessed',
  'not-applicable': 'Not applicable',
};

export const STATUS_MEANING: Record<ControlStatus, string> = {
  fail: 'At least one mapped automated check failed and no unexpired waiver covers it.',
  pass: 'Every mapped check that ran passed, and at least one ran. With partial coverage, further evidence is still required.',
  waived: 'Its failures are all covered by unexpired waivers (reason, owner and expiry shown).',
  incomplete: 'Some mapped checks ran and passed, none failed, but others did not run or need manual review.',
  manual: 'Needs organisational evidence (policy, process, records) that no cluster scan can give.',
  attested: 'A manual control with an unexpired attestation (who, what evidence, until when).',
  'not-assessed':
    'Nothing mapped ran: no source covers it, or the source that covers it failed or was disabled.',
  'not-applicable': 'Scoped out by the user, with the reason shown.',
};

const FINDING_LABEL: Record<FindingStatus, string> = {
  pass: 'Pass',
  fail: 'Fail',
  manual: 'Manual',
  info: 'Info',
  error: 'Error',
  skipped: 'Skipped',
  waived: 'Waived',
};

const COVERAGE_LABEL = { full: 'Full', partial: 'Partial', none: 'None' } as const;

const SOURCE_LABEL: Record<string, string> = {
  'kube-bench': 'kube-bench (CIS Kubernetes Benchmark)',
  kubescape: 'Kubescape',
  rbac: 'kubeproof RBAC analysis',
  workloads: 'kubeproof workload analysis',
  'audit-log': 'Kubernetes audit log',
};

export function anchor(...parts: string[]): string {
  return parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function resourceText(f: Finding): string {
  const r = f.resource;
  if (!r) return 'cluster';
  const ns = r.namespace ? `${r.namespace}/` : '';
  return `${r.kind} ${ns}${r.name}`;
}

function fmtDate(iso: string | undefined): string {
  if (!iso) return 'not recorded';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function excerptText(e: Evidence, cap: number): string {
  const text = typeof e.excerpt === 'string' ? e.excerpt : (JSON.stringify(e.excerpt, null, 2) ?? '');
  return text.length > cap
    ? `${text.slice(0, cap)}\n… (${text.length - cap} more characters in report.json)`
    : text;
}

function locatorText(e: Evidence): string {
  const l = e.locator;
  const parts: string[] = [];
  if (l.file) parts.push(`${l.file}${l.pointer ? `#${l.pointer}` : ''}${l.line ? `:${l.line}` : ''}`);
  if (l.apiPath) parts.push(l.apiPath);
  if (l.auditIds?.length)
    parts.push(`audit ids ${l.auditIds.slice(0, 3).join(', ')}${l.auditIds.length > 3 ? '…' : ''}`);
  if (l.inputs?.length)
    parts.push(
      `inputs ${l.inputs.slice(0, 4).join(', ')}${l.inputs.length > 4 ? ` and ${l.inputs.length - 4} more` : ''}`,
    );
  return parts.join(' · ') || e.source;
}

/** One stacked bar: segments with x/width in percent of the bar. */
function stack<K extends string>(counts: Record<K, number>, keys: readonly K[], total: number) {
  let x = 0;
  return keys
    .filter((k) => counts[k] > 0)
    .map((k) => {
      const w = total > 0 ? (counts[k] / total) * 100 : 0;
      const seg = { key: k, x: x.toFixed(3), width: w.toFixed(3), n: counts[k], wide: w >= 6 };
      x += w;
      return seg;
    });
}

const SEV_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4, unknown: 5 };
const FSTATUS_ORDER: Record<FindingStatus, number> = {
  fail: 0,
  error: 1,
  manual: 2,
  waived: 3,
  skipped: 4,
  info: 5,
  pass: 6,
};

function findingRow(f: Finding) {
  return {
    id: f.id,
    source: f.source,
    rule: f.ruleVariant ? `${f.ruleId} (${f.ruleVariant})` : f.ruleId,
    title: f.title,
    status: f.status,
    statusLabel: FINDING_LABEL[f.status],
    nativeStatus: f.nativeStatus,
    severity: f.severity,
    sevRank: SEV_ORDER[f.severity],
    resource: resourceText(f),
    node: f.resource?.node ?? '',
    message: f.message,
  };
}

function controlView(
  fw: FrameworkResult,
  c: ControlResult,
  byId: Map<string, Finding>,
  evById: Map<string, Evidence>,
  mode: ViewMode,
) {
  const caps = CAPS[mode];
  const fs = c.findingIds.map((id) => byId.get(id)).filter((f): f is Finding => f !== undefined);
  const shown = fs.filter((f) => f.status !== 'pass').slice(0, caps.findingsPerControl);
  // Excerpts of what decided the status: failures, waived failures and checks that could not run first;
  // a passing control shows one excerpt of what its pass rests on. Manual-review findings are listed
  // without excerpts (they decide nothing; their evidence is in report.json and findings.csv).
  const decisive = fs.filter((f) => f.status === 'fail' || f.status === 'waived' || f.status === 'error');
  const evidenceIds = [
    ...new Set(
      [...decisive, ...fs.filter((f) => f.status === 'pass').slice(0, 1)].flatMap((f) => f.evidenceIds),
    ),
  ].slice(0, caps.evidencePerControl);
  const rules = new Map<
    string,
    { rule: string; title: string; severity: Severity; counts: Record<FindingStatus, number> }
  >();
  for (const f of fs) {
    const key = `${f.source} ${f.ruleVariant ? `${f.ruleId} (${f.ruleVariant})` : f.ruleId}`;
    const r = rules.get(key) ?? {
      rule: key,
      title: f.title,
      severity: f.severity,
      counts: { pass: 0, fail: 0, manual: 0, info: 0, error: 0, skipped: 0, waived: 0 },
    };
    r.counts[f.status]++;
    rules.set(key, r);
  }
  const evidence = evidenceIds
    .map((id) => evById.get(id))
    .filter((e): e is Evidence => e !== undefined)
    .map((e) => ({
      id: e.id,
      kind: e.kind,
      source: e.source,
      collectedAt: fmtDate(e.collectedAt),
      locator: locatorText(e),
      sha256: e.sha256 ?? '',
      excerpt: excerptText(e, caps.excerptChars),
    }));
  const nonPass = fs.filter((f) => f.status !== 'pass').length;
  return {
    controlId: c.controlId,
    anchor: anchor('ctl', fw.id, c.controlId),
    title: c.title,
    status: c.status,
    statusLabel: STATUS_LABEL[c.status],
    coverage: c.coverage,
    coverageLabel: COVERAGE_LABEL[c.coverage],
    findingsCount: fs.length,
    counts: c.counts,
    explanation: c.explanation,
    sources: c.sources.join(', '),
    baselines: (c.baselines ?? []).join(', '),
    waivers: (c.waivers ?? []).map((w) => ({ ...w, approver: w.approver ?? '' })),
    attestation: c.attestation ?? null,
    objectiveCount: c.objectiveIds.length,
    // Detail blocks for controls automated evidence decided (and waived/attested ones); a manual or
    // not-assessed control is fully described by its table row (explanation), its findings by the appendix.
    hasDetail:
      (fs.length > 0 && ['fail', 'pass', 'incomplete', 'waived'].includes(c.status)) ||
      (c.waivers?.length ?? 0) > 0 ||
      c.attestation !== undefined,
    rules: [...rules.values()].map((r) => ({
      ...r,
      other: r.counts.manual + r.counts.error + r.counts.skipped + r.counts.info + r.counts.waived,
    })),
    findings: shown.map(findingRow),
    moreFindings: nonPass - shown.length,
    passCount: c.counts.pass,
    evidence,
  };
}

function frameworkChapter(
  fw: FrameworkResult,
  byId: Map<string, Finding>,
  evById: Map<string, Evidence>,
  mode: ViewMode,
) {
  const families = new Map<string, ReturnType<typeof controlView>[]>();
  for (const c of fw.controls) {
    const list = families.get(c.family) ?? [];
    list.push(controlView(fw, c, byId, evById, mode));
    families.set(c.family, list);
  }
  const controls = [...families.values()].flat();
  return {
    id: fw.id,
    anchor: anchor('fw', fw.id),
    name: fw.name,
    version: fw.version,
    titleNote: fw.titleNote,
    total: fw.summary.total,
    counts: CONTROL_STATUSES.map((s) => ({ status: s, label: STATUS_LABEL[s], n: fw.summary.counts[s] })),
    // Controls no source covers at all are listed compactly (a full NIST catalogue has ~1,000 of them);
    // a control left unassessed because its source failed keeps its row and explanation.
    families: [...families.entries()].map(([family, cs]) => {
      const uncovered = cs.filter((c) => c.status === 'not-assessed' && c.objectiveCount === 0);
      const title = fw.families?.find((f) => f.id === family)?.title;
      return {
        family,
        familyTitle: title ?? `Family ${family}`,
        familyId: title && !title.startsWith(family) ? `${family} ` : '',
        controls: cs.filter((c) => !uncovered.includes(c)),
        uncovered: uncovered.map((c) => ({ controlId: c.controlId, title: c.title })),
      };
    }),
    details: controls.filter((c) => c.hasDetail),
  };
}

export function buildView(model: ReportModel, o: ViewOptions) {
  const mode = o.mode;
  const caps = CAPS[mode];
  const byId = new Map(model.findings.map((f) => [f.id, f]));
  const evById = new Map(model.evidence.map((e) => [e.id, e]));

  const sources = model.runs.map((r) => ({
    source: r.source,
    label: SOURCE_LABEL[r.source] ?? r.source,
    status: r.status,
    failed: r.status === 'failed' || r.status === 'skipped',
    toolVersion: versionText(model, r),
    startedAt: fmtDate(r.startedAt),
    duration: `${(r.durationMs / 1000).toFixed(1)} s`,
    findingCount: r.findingCount,
    error: r.error ? `${r.error.message}` : '',
    errorCode: r.error?.code ?? '',
    hint: r.error?.hint ?? '',
    inputs: r.inputs.map((i) => ({
      path: i.path,
      sha256: i.sha256 ?? '',
      format: i.format ?? '',
      bytes: i.bytes ?? '',
    })),
    notes: r.notes,
  }));
  const failedSources = sources.filter((s) => s.failed);

  const frameworks = model.frameworks.map((fw) => {
    const s = fw.summary;
    const determined = s.total;
    return {
      id: fw.id,
      anchor: anchor('fw', fw.id),
      name: fw.name,
      version: fw.version,
      total: s.total,
      automated: s.automated,
      notAssessed: s.counts['not-assessed'],
      manual: s.counts.manual + s.counts.attested,
      counts: CONTROL_STATUSES.map((st) => ({ status: st, label: STATUS_LABEL[st], n: s.counts[st] })),
      bar: stack(s.counts, CONTROL_STATUSES, determined),
      failing: s.counts.fail,
      sevBar: stack(s.failingBySeverity, SEVERITIES, Math.max(1, s.counts.fail)),
      sevCounts: SEVERITIES.filter((sv) => s.failingBySeverity[sv] > 0).map((sv) => ({
        severity: sv,
        n: s.failingBySeverity[sv],
      })),
    };
  });
  const maxFailing = Math.max(1, ...frameworks.map((f) => f.failing));
  const severityChart = frameworks.map((f, i) => ({
    name: `${f.name} ${f.version}`,
    y: i * 34,
    failing: f.failing,
    segments: SEVERITIES.filter((sv) => (model.frameworks[i]?.summary.failingBySeverity[sv] ?? 0) > 0).reduce(
      (acc, sv) => {
        const n = model.frameworks[i]?.summary.failingBySeverity[sv] ?? 0;
        const w = (n / maxFailing) * 100;
        acc.list.push({ severity: sv, n, x: acc.x.toFixed(3), width: w.toFixed(3), wide: w >= 5 });
        acc.x += w;
        return acc;
      },
      { x: 0, list: [] as { severity: Severity; n: number; x: string; width: string; wide: boolean }[] },
    ).list,
  }));

  const chapters = model.frameworks.map((fw) => frameworkChapter(fw, byId, evById, mode));

  // Appendix A: findings by source, grouped by rule, failing first, capped per rule.
  const bySource = new Map<string, Map<string, Finding[]>>();
  for (const f of model.findings) {
    const rules = bySource.get(f.source) ?? new Map<string, Finding[]>();
    const key = f.ruleVariant ? `${f.ruleVariant}|${f.ruleId}` : f.ruleId;
    const list = rules.get(key) ?? [];
    list.push(f);
    rules.set(key, list);
    bySource.set(f.source, rules);
  }
  const findingsBySource = [...bySource.entries()].map(([source, rules]) => ({
    source,
    anchor: anchor('src', source),
    label: SOURCE_LABEL[source] ?? source,
    total: [...rules.values()].reduce((n, l) => n + l.length, 0),
    rules: [...rules.values()]
      .map((fs) => {
        const sorted = [...fs].sort(
          (a, b) =>
            FSTATUS_ORDER[a.status] - FSTATUS_ORDER[b.status] ||
            resourceText(a).localeCompare(resourceText(b)),
        );
        const counts: Record<FindingStatus, number> = {
          pass: 0,
          fail: 0,
          manual: 0,
          info: 0,
          error: 0,
          skipped: 0,
          waived: 0,
        };
        for (const f of fs) counts[f.status]++;
        const first = sorted[0] as Finding;
        const rows = sorted.slice(0, caps.rowsPerRule).map(findingRow);
        return {
          rule: first.ruleVariant ? `${first.ruleId} (${first.ruleVariant})` : first.ruleId,
          title: first.title,
          severity: first.severity,
          sevRank: SEV_ORDER[first.severity],
          total: fs.length,
          counts: (Object.keys(counts) as FindingStatus[])
            .filter((k) => counts[k] > 0)
            .map((k) => ({ status: k, label: FINDING_LABEL[k], n: counts[k] })),
          hasFail: counts.fail > 0,
          rows,
          more: fs.length - rows.length,
        };
      })
      .sort(
        (a, b) =>
          Number(b.hasFail) - Number(a.hasFail) || a.sevRank - b.sevRank || a.rule.localeCompare(b.rule),
      ),
  }));

  const unmappedAll = model.unmapped.map((u) => {
    const f = byId.get(u.findingId);
    return {
      reason: u.reason,
      ...(f
        ? findingRow(f)
        : {
            id: u.findingId,
            rule: '',
            title: '',
            status: 'info',
            statusLabel: '',
            severity: 'unknown',
            resource: '',
            message: '',
          }),
    };
  });
  const waivers = model.frameworks.flatMap((fw) =>
    fw.controls.flatMap((c) =>
      (c.waivers ?? []).map((w) => ({
        framework: `${fw.name} ${fw.version}`,
        control: c.controlId,
        ...w,
        approver: w.approver ?? '',
      })),
    ),
  );
  const attestations = model.frameworks.flatMap((fw) =>
    fw.controls
      .filter((c) => c.attestation)
      .map((c) => ({ framework: `${fw.name} ${fw.version}`, control: c.controlId, ...c.attestation! })),
  );
  // Every waiver and attestation read, whether it applied or not: unused, expiring and expired ones too.
  const generated = Date.parse(model.generatedAt);
  const governance = (model.governance ?? []).map((g) => {
    const days = Math.floor((Date.parse(`${g.expires}T23:59:59Z`) - generated) / 86_400_000);
    return {
      ...g,
      expiresIn:
        days < 0
          ? `expired ${-days} day${days === -1 ? '' : 's'} ago`
          : `in ${days} day${days === 1 ? '' : 's'}`,
    };
  });
  const findingStatusTotals = { fail: 0, pass: 0, other: 0 };
  for (const f of model.findings) {
    if (f.status === 'fail') findingStatusTotals.fail++;
    else if (f.status === 'pass') findingStatusTotals.pass++;
    else findingStatusTotals.other++;
  }

  const toc = [
    { id: 'summary', title: 'Executive summary', level: 1 },
    { id: 'scope', title: 'Scope and sources', level: 1 },
    ...chapters.map((c) => ({ id: c.anchor, title: `${c.name} ${c.version}`, level: 1 })),
    { id: 'appendix-findings', title: 'Appendix A. Findings by source', level: 1 },
    { id: 'appendix-unmapped', title: 'Appendix B. Unmapped findings', level: 1 },
    { id: 'appendix-waivers', title: 'Appendix C. Waivers and attestations', level: 1 },
    { id: 'appendix-methodology', title: 'Appendix D. Methodology', level: 1 },
    { id: 'appendix-sources', title: 'Appendix E. Sources and versions', level: 1 },
  ].map((e) => ({ ...e, page: o.pages?.[e.id] ?? '' }));

  return {
    mode,
    print: mode === 'print',
    title: `Kubernetes security evidence report: ${model.cluster.name}`,
    cluster: {
      name: model.cluster.name,
      serverVersion: model.cluster.serverVersion ?? 'not recorded',
      nodeCount:
        model.cluster.nodeCount ??
        (model.runs.some((r) => r.source === 'kube-bench' && (r.status === 'ok' || r.status === 'partial'))
          ? 'not recorded (the kube-bench inputs do not name their nodes)'
          : 'none (kube-bench did not run)'),
      platform: model.cluster.platform ?? '',
    },
    reportId: model.reportId,
    generatedAt: fmtDate(model.generatedAt),
    renderedAt: fmtDate(o.renderedAt),
    reportSha256: o.reportSha256,
    tool: `${model.tool.name} ${model.tool.version}`,
    mappings: model.mappings,
    period: periodText(model),
    frameworkNames: model.frameworks.map((f) => `${f.name} ${f.version}`),
    sources,
    failedSources,
    frameworks,
    severityChart,
    severityChartHeight: Math.max(34, severityChart.length * 34),
    statusKeys: CONTROL_STATUSES.map((s) => ({
      status: s,
      label: STATUS_LABEL[s],
      meaning: STATUS_MEANING[s],
    })),
    severityKeys: SEVERITIES.filter((s) => s !== 'info').map((s) => ({ severity: s })),
    totals: {
      findings: model.findings.length,
      fail: findingStatusTotals.fail,
      pass: findingStatusTotals.pass,
      other: findingStatusTotals.other,
      controls: frameworks.reduce((n, f) => n + f.total, 0),
      notAssessed: frameworks.reduce((n, f) => n + f.notAssessed, 0),
      manual: frameworks.reduce((n, f) => n + f.manual, 0),
      automated: frameworks.reduce((n, f) => n + f.automated, 0),
      unmapped: model.unmapped.length,
    },
    notApplicable: model.scope.notApplicable,
    changes: changesView(model),
    chapters,
    findingsBySource,
    unmapped: unmappedAll.slice(0, caps.unmapped),
    unmappedMore: Math.max(0, unmappedAll.length - caps.unmapped),
    waivers,
    attestations,
    governance,
    toc,
    caps,
  };
}

export type ReportView = ReturnType<typeof buildView>;

/** "Changes since the previous run" for the summary, capped; undefined when no previous report was read. */
function changesView(model: ReportModel) {
  const d = model.diff;
  if (!d) return undefined;
  const cap = 25;
  const names = new Map(model.frameworks.map((f) => [f.id, `${f.name} ${f.version}`]));
  return {
    previousReportId: d.previousReportId,
    previousGeneratedAt: fmtDate(d.previousGeneratedAt),
    previousLocation: d.previousLocation,
    newFailures: d.newFailures.slice(0, cap),
    newFailuresMore: Math.max(0, d.newFailures.length - cap),
    newFailuresCount: d.newFailures.length,
    resolvedFailures: d.resolvedFailures.slice(0, cap),
    resolvedFailuresMore: Math.max(0, d.resolvedFailures.length - cap),
    resolvedFailuresCount: d.resolvedFailures.length,
    controls: d.controls
      .slice(0, cap)
      .map((c) => ({ ...c, framework: names.get(c.framework) ?? c.framework })),
    controlsMore: Math.max(0, d.controls.length - cap),
    controlsCount: d.controls.length,
  };
}

/**
 * A run's version as a reader needs it: the tool's own when recorded; kubeproof's for its own analyses;
 * for kube-bench (whose output does not record its version) the benchmarks its findings came from.
 */
function versionText(model: ReportModel, r: ReportModel['runs'][number]): string {
  if (r.toolVersion) return r.toolVersion;
  if (r.source === 'rbac' || r.source === 'workloads') return `kubeproof ${model.tool.version}`;
  const variants = [
    ...new Set(
      model.findings.filter((f) => f.source === r.source && f.ruleVariant).map((f) => f.ruleVariant!),
    ),
  ].sort();
  return variants.length > 0 ? `not recorded (benchmark ${variants.join(', ')})` : 'not recorded';
}

/**
 * The evidence window in words. `--since`/`--until` bound audit-log events only; every other source is a
 * point-in-time collection, so the window is never presented as the period of their evidence.
 */
function periodText(model: ReportModel): string {
  const { from, to } = model.scope.period;
  const at = `point-in-time collection at ${fmtDate(model.generatedAt)}`;
  const window =
    from && to
      ? `${fmtDate(from)} to ${fmtDate(to)}`
      : from
        ? `from ${fmtDate(from)} to the time of collection`
        : to
          ? `up to ${fmtDate(to)}`
          : undefined;
  const { auditRead, auditSpan, otherSources } = periodFacts(model);
  if (!window) {
    // No window set: the audit events read still have a span of their own, stated as read.
    if (!auditSpan) return `${at} (no evidence window set)`;
    const span = `audit events ${fmtDate(auditSpan.first)} to ${fmtDate(auditSpan.last)} (no evidence window set)`;
    return otherSources ? `${span}; other sources ${at}` : span;
  }
  if (!auditRead)
    return `${at}; the evidence window ${window} applies to audit logs only, and none were read`;
  return otherSources ? `audit logs ${window}; other sources ${at}` : `audit logs ${window}`;
}
