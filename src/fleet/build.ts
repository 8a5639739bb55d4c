/**
 * The fleet report: the latest report of every cluster side by side. Pure: reports in, FleetReport out.
 * Counts only, like every kubeproof summary: no fleet-wide "compliance" figure.
 */
import { CONTROL_STATUSES, type ControlStatus, type ReportModel } from '../model/types.ts';
import type { LocatedReport } from '../history/read.ts';
import { redactText } from '../util/redact.ts';

export const FLEET_SCHEMA = 'kubeproof.fleet/v1';
export const DEFAULT_STALE_DAYS = 8;
export const DEFAULT_TOP = 20;

export interface FleetCluster {
  name: string;
  reportId: string;
  generatedAt: string;
  /** Age of the report at fleet generation time, in days (one decimal). */
  ageDays: number;
  stale: boolean;
  location: string;
  toolVersion: string;
  mappingsVersion: string;
  frameworks: { id: string; total: number; counts: Record<ControlStatus, number> }[];
  failedSources: { source: string; status: string; message: string }[];
  /** From the report's own diff, when it has one. */
  changes: { newFailures: number; resolvedFailures: number; since: string } | null;
  /** Older reports of this cluster found in the sources and not used. */
  superseded: number;
}

export interface FleetFramework {
  id: string;
  name: string;
  version: string;
  /** Clusters whose latest report assessed this framework. */
  clusters: number;
  clustersFailing: number;
  totals: Record<ControlStatus, number>;
}

export interface WorstControl {
  framework: string;
  controlId: string;
  title: string;
  failingClusters: string[];
  /** Failing findings summed over those clusters. */
  failingFindings: number;
}

export interface FleetReport {
  schema: typeof FLEET_SCHEMA;
  generatedAt: string;
  staleDays: number;
  sources: string[];
  clusters: FleetCluster[];
  frameworks: FleetFramework[];
  worstControls: WorstControl[];
  /** Sources or reports that could not be read. */
  problems: { from: string; message: string }[];
}

export interface FleetOptions {
  now: Date;
  staleDays?: number;
  top?: number;
  sources?: string[];
  problems?: { from: string; message: string }[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function zero(): Record<ControlStatus, number> {
  return Object.fromEntries(CONTROL_STATUSES.map((s) => [s, 0])) as Record<ControlStatus, number>;
}

function counts(c: Partial<Record<ControlStatus, number>>): Record<ControlStatus, number> {
  const out = zero();
  for (const s of CONTROL_STATUSES) out[s] = c[s] ?? 0;
  return out;
}

/** Builds the fleet report from every report found; the newest report of each cluster wins. */
export function buildFleet(found: readonly LocatedReport[], opts: FleetOptions): FleetReport {
  const staleDays = opts.staleDays ?? DEFAULT_STALE_DAYS;
  const latest = new Map<string, { r: LocatedReport; superseded: number }>();
  for (const f of found) {
    const name = f.report.cluster.name;
    const cur = latest.get(name);
    if (!cur) latest.set(name, { r: f, superseded: 0 });
    else {
      const newer =
        f.report.generatedAt > cur.r.report.generatedAt ||
        (f.report.generatedAt === cur.r.report.generatedAt && f.report.reportId > cur.r.report.reportId);
      latest.set(
        name,
        newer ? { r: f, superseded: cur.superseded + 1 } : { ...cur, superseded: cur.superseded + 1 },
      );
    }
  }
  const picked = [...latest.values()].sort((a, b) => cmp(a.r.report.cluster.name, b.r.report.cluster.name));
  const clusters = picked.map(({ r, superseded }) => clusterLine(r, superseded, opts.now, staleDays));

  const fwMeta = new Map<string, { name: string; version: string }>();
  const fwTotals = new Map<string, FleetFramework>();
  const worst = new Map<string, WorstControl>();
  for (const { r } of picked) {
    const m: ReportModel = r.report;
    for (const fw of m.frameworks) {
      if (!fwMeta.has(fw.id)) fwMeta.set(fw.id, { name: fw.name, version: fw.version });
      const t = fwTotals.get(fw.id) ?? {
        id: fw.id,
        name: fw.name,
        version: fw.version,
        clusters: 0,
        clustersFailing: 0,
        totals: zero(),
      };
      t.clusters++;
      if ((fw.summary.counts.fail ?? 0) > 0) t.clustersFailing++;
      for (const s of CONTROL_STATUSES) t.totals[s] += fw.summary.counts[s] ?? 0;
      fwTotals.set(fw.id, t);
      for (const c of fw.controls) {
        if (c.status !== 'fail') continue;
        const key = `${fw.id}\u0000${c.controlId}`;
        const w = worst.get(key) ?? {
          framework: fw.id,
          controlId: c.controlId,
          title: c.title,
          failingClusters: [],
          failingFindings: 0,
        };
        w.failingClusters.push(m.cluster.name);
        w.failingFindings += c.counts.fail;
        worst.set(key, w);
      }
    }
  }
  const worstControls = [...worst.values()]
    .sort(
      (a, b) =>
        b.failingClusters.length - a.failingClusters.length ||
        b.failingFindings - a.failingFindings ||
        cmp(a.framework, b.framework) ||
        cmp(a.controlId, b.controlId),
    )
    .slice(0, opts.top ?? DEFAULT_TOP);
  return {
    schema: FLEET_SCHEMA,
    generatedAt: opts.now.toISOString(),
    staleDays,
    sources: opts.sources ?? [],
    clusters,
    frameworks: [...fwTotals.values()].sort((a, b) => cmp(a.id, b.id)),
    worstControls,
    problems: opts.problems ?? [],
  };
}

function clusterLine(r: LocatedReport, superseded: number, now: Date, staleDays: number): FleetCluster {
  const m = r.report;
  const at = new Date(m.generatedAt).getTime();
  const ageDays = Number.isFinite(at)
    ? Math.round(((now.getTime() - at) / 86_400_000) * 10) / 10
    : Number.POSITIVE_INFINITY;
  return {
    name: m.cluster.name,
    reportId: m.reportId,
    generatedAt: m.generatedAt,
    ageDays: Number.isFinite(ageDays) ? ageDays : -1,
    // an undated report is as good as stale
    stale: !Number.isFinite(ageDays) || ageDays > staleDays,
    location: r.location,
    toolVersion: m.tool.version,
    mappingsVersion: m.mappings.version,
    frameworks: m.frameworks.map((f) => ({
      id: f.id,
      total: f.summary.total,
      counts: counts(f.summary.counts),
    })),
    failedSources: m.runs
      .filter((x) => x.status === 'failed' || x.status === 'partial')
      .map((x) => ({ source: x.source, status: x.status, message: redactText(x.error?.message ?? '') })),
    changes: m.diff
      ? {
          newFailures: m.diff.newFailures.length,
          resolvedFailures: m.diff.resolvedFailures.length,
          since: m.diff.previousGeneratedAt,
        }
      : null,
    superseded,
  };
}
