/**
 * The email summary as a plain object (pure): what the templates in templates/email/ render.
 * Counts per status, never a "compliant" verdict or percentage: most controls of every framework are
 * beyond what a cluster scan can evidence, and the summary says how many are not-assessed and manual.
 */
import { periodFacts } from '../report/period.ts';
import { z } from 'zod';
import type { ControlStatus, Finding, ReportModel, Severity } from '../model/types.ts';
import { SEVERITIES } from '../model/types.ts';
import { redactText } from '../util/redact.ts';

/** Display order of control statuses: what needs attention first. */
export const STATUS_ORDER: readonly ControlStatus[] = [
  'fail',
  'incomplete',
  'waived',
  'pass',
  'attested',
  'manual',
  'not-assessed',
  'not-applicable',
];

export interface StatusCount {
  status: ControlStatus;
  count: number;
}

export interface FrameworkLine {
  id: string;
  name: string;
  version: string;
  total: number;
  automated: number;
  counts: StatusCount[];
}

export interface FailingControl {
  framework: string;
  controlId: string;
  title: string;
  severity: Severity;
  failingFindings: number;
}

export interface ControlChange {
  framework: string;
  controlId: string;
  from: string;
  to: string;
}

export interface EmailView {
  cluster: string;
  serverVersion: string | null;
  nodeCount: number | null;
  reportId: string;
  generatedAt: string;
  date: string;
  period: string;
  failCount: number;
  notAssessedCount: number;
  manualCount: number;
  /** Column order of the counts table. */
  statuses: ControlStatus[];
  frameworks: FrameworkLine[];
  topFailing: FailingControl[];
  moreFailing: number;
  sourceProblems: { source: string; status: string; message: string }[];
  changes: { since: string; items: ControlChange[]; more: number } | null;
  /** Findings that started or stopped failing since the previous run (from `diff`), with a few examples. */
  failures: { newCount: number; resolvedCount: number; newItems: string[]; resolvedItems: string[] } | null;
  /** Counts over the last runs (from `history`), one line per framework; null with fewer than two runs. */
  trend: { runs: number; since: string; lines: { framework: string; text: string }[] } | null;
  /** The evidence bundle's manifest (set on the delivered model only; report.json cannot hold it). */
  bundle: { manifestSha256: string; keyFingerprint: string | null } | null;
  /** Where the full report lives: an s3:// location and/or a URL; null when only the local copy exists. */
  location: string | null;
  url: string | null;
  pdf: { attached: boolean; filename: string; size: string; note: string } | null;
}

export interface SummaryOptions {
  location?: string;
  url?: string;
  pdf?: { filename: string; bytes: number; attached: boolean };
  attachPdfMaxBytes?: number;
  maxFailing?: number;
  maxChanges?: number;
}

/**
 * Changes since the previous run, when the model carries a `diff` of this shape; anything else is ignored
 * (the diff is optional and owned by src/report/).
 */
const diffSchema = z.object({
  previousReportId: z.string().optional(),
  previousGeneratedAt: z.string().optional(),
  controls: z.array(
    z.object({ framework: z.string(), controlId: z.string(), from: z.string(), to: z.string() }),
  ),
});

const failureChangeSchema = z.object({
  source: z.string(),
  ruleId: z.string(),
  title: z.string(),
  resource: z.string().optional(),
});
const failuresSchema = z.object({
  newFailures: z.array(failureChangeSchema),
  resolvedFailures: z.array(failureChangeSchema),
});
const historySchema = z.array(
  z.object({
    generatedAt: z.string(),
    frameworks: z.array(z.object({ id: z.string(), counts: z.record(z.string(), z.number()) })),
  }),
);
const bundleSchema = z.object({ manifestSha256: z.string(), keyFingerprint: z.string().optional() });

const rank = (s: Severity): number => SEVERITIES.indexOf(s);
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

function worstFailingSeverity(
  ids: readonly string[],
  byId: ReadonlyMap<string, Finding>,
): [Severity, number] {
  let worst: Severity = 'unknown';
  let n = 0;
  for (const id of ids) {
    const f = byId.get(id);
    if (!f || f.status !== 'fail') continue;
    n++;
    if (rank(f.severity) < rank(worst)) worst = f.severity;
  }
  return [worst, n];
}

function changesOf(model: ReportModel, max: number): EmailView['changes'] {
  const raw: unknown = Object.getOwnPropertyDescriptor(model, 'diff')?.value;
  const parsed = diffSchema.safeParse(raw);
  if (!parsed.success) return null;
  const d = parsed.data;
  const items = [...d.controls].sort(
    (a, b) => cmp(a.framework, b.framework) || cmp(a.controlId, b.controlId),
  );
  return {
    since: d.previousGeneratedAt ?? d.previousReportId ?? 'the previous run',
    items: items.slice(0, max),
    more: Math.max(0, items.length - max),
  };
}

function failuresOf(model: ReportModel, max: number): EmailView['failures'] {
  const parsed = failuresSchema.safeParse(Object.getOwnPropertyDescriptor(model, 'diff')?.value);
  if (!parsed.success) return null;
  const line = (f: z.infer<typeof failureChangeSchema>): string =>
    redactText(`${f.source} ${f.ruleId}${f.resource ? ` ${f.resource}` : ''}: ${f.title}`);
  return {
    newCount: parsed.data.newFailures.length,
    resolvedCount: parsed.data.resolvedFailures.length,
    newItems: parsed.data.newFailures.slice(0, max).map(line),
    resolvedItems: parsed.data.resolvedFailures.slice(0, max).map(line),
  };
}

function trendOf(model: ReportModel): EmailView['trend'] {
  const parsed = historySchema.safeParse(Object.getOwnPropertyDescriptor(model, 'history')?.value);
  if (!parsed.success || parsed.data.length < 2) return null;
  const h = parsed.data;
  const lines = model.frameworks.map((fw) => {
    const series = (status: ControlStatus): string =>
      h.map((e) => String(e.frameworks.find((f) => f.id === fw.id)?.counts[status] ?? '–')).join(' → ');
    return { framework: `${fw.name} ${fw.version}`, text: `fail ${series('fail')}; pass ${series('pass')}` };
  });
  return { runs: h.length, since: h[0]!.generatedAt, lines };
}

function bundleOf(model: ReportModel): EmailView['bundle'] {
  const parsed = bundleSchema.safeParse(Object.getOwnPropertyDescriptor(model, 'bundle')?.value);
  return parsed.success
    ? { manifestSha256: parsed.data.manifestSha256, keyFingerprint: parsed.data.keyFingerprint ?? null }
    : null;
}

/** Builds the email view of a report. Pure: same model and options, same view. */
export function buildEmailView(model: ReportModel, opts: SummaryOptions = {}): EmailView {
  const byId = new Map(model.findings.map((f) => [f.id, f] as const));
  const failing: FailingControl[] = [];
  let failCount = 0;
  let notAssessedCount = 0;
  let manualCount = 0;
  const frameworks: FrameworkLine[] = model.frameworks.map((fw) => {
    failCount += fw.summary.counts.fail;
    notAssessedCount += fw.summary.counts['not-assessed'];
    manualCount += fw.summary.counts.manual;
    for (const c of fw.controls) {
      if (c.status !== 'fail') continue;
      const [severity, n] = worstFailingSeverity(c.findingIds, byId);
      failing.push({
        framework: fw.name,
        controlId: c.controlId,
        title: c.title,
        severity,
        failingFindings: n,
      });
    }
    return {
      id: fw.id,
      name: fw.name,
      version: fw.version,
      total: fw.summary.total,
      automated: fw.summary.automated,
      counts: STATUS_ORDER.map((status) => ({ status, count: fw.summary.counts[status] })),
    };
  });
  failing.sort(
    (a, b) =>
      rank(a.severity) - rank(b.severity) ||
      b.failingFindings - a.failingFindings ||
      cmp(a.framework, b.framework) ||
      cmp(a.controlId, b.controlId),
  );
  const maxFailing = opts.maxFailing ?? 10;
  const { from, to } = model.scope.period;
  // The window bounds audit-log events only; without audit logs read, the evidence is point in time.
  const { auditRead, auditSpan, otherSources } = periodFacts(model);
  // Without a window, the audit events read still span a period of their own (as on the report's cover).
  const span = auditSpan
    ? `audit events ${auditSpan.first} to ${auditSpan.last} (no window set)${otherSources ? '; other sources point in time' : ''}`
    : undefined;
  const window = `${from ?? '(start not recorded)'} to ${to ?? '(end not recorded)'}`;
  const period = !(from || to)
    ? (span ?? 'point in time')
    : auditRead
      ? `audit logs ${window}; other sources point in time`
      : `point in time (the window ${window} applies to audit logs only; none were read)`;
  const pdf = opts.pdf
    ? {
        attached: opts.pdf.attached,
        filename: opts.pdf.filename,
        size: formatBytes(opts.pdf.bytes),
        note: opts.pdf.attached
          ? ''
          : `The PDF (${formatBytes(opts.pdf.bytes)}) is larger than the ${formatBytes(
              opts.attachPdfMaxBytes ?? 0,
            )} attachment limit, so it is not attached.`,
      }
    : null;
  return {
    cluster: model.cluster.name,
    serverVersion: model.cluster.serverVersion ?? null,
    nodeCount: model.cluster.nodeCount ?? null,
    reportId: model.reportId,
    generatedAt: model.generatedAt,
    date: model.generatedAt.slice(0, 10),
    period,
    failCount,
    notAssessedCount,
    manualCount,
    statuses: [...STATUS_ORDER],
    frameworks,
    topFailing: failing.slice(0, maxFailing),
    moreFailing: Math.max(0, failing.length - maxFailing),
    sourceProblems: model.runs
      .filter((r) => r.status !== 'ok')
      .map((r) => ({
        source: r.source,
        status: r.status,
        message: redactText(r.error?.message ?? r.notes[0] ?? ''),
      })),
    changes: changesOf(model, opts.maxChanges ?? 20),
    failures: failuresOf(model, 5),
    trend: trendOf(model),
    bundle: bundleOf(model),
    location: opts.location ?? null,
    url: opts.url ?? null,
    pdf,
  };
}
