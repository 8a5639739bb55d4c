/**
 * The run history (trend) carried by each report: pure functions. Each report's `history` holds the
 * counts of the last N runs of its cluster, oldest first, itself last. A new run inherits the previous
 * report's history, so the trend survives without listing a bucket or keeping old reports around; local
 * summaries (`<out>/history/<reportId>.json`) fill in when the previous report has none.
 */
import { CONTROL_STATUSES, type ControlStatus, type HistoryEntry, type ReportModel } from '../model/types.ts';

/** Default number of runs kept in `history` (`--history N`). */
export const DEFAULT_HISTORY = 10;

/** The compact summary of one report: its counts per framework. */
export function summarize(model: ReportModel): HistoryEntry {
  return {
    reportId: model.reportId,
    generatedAt: model.generatedAt,
    cluster: model.cluster.name,
    frameworks: model.frameworks.map((f) => ({ id: f.id, counts: fullCounts(f.summary.counts) })),
  };
}

function fullCounts(c: Partial<Record<ControlStatus, number>>): Record<ControlStatus, number> {
  const out = {} as Record<ControlStatus, number>;
  for (const s of CONTROL_STATUSES) {
    const v = c[s];
    out[s] = typeof v === 'number' && Number.isFinite(v) ? v : 0;
  }
  return out;
}

/**
 * The history of `current`: the entries known from earlier runs (the previous report's own history,
 * the previous report itself, local summaries), restricted to the same cluster and to runs before this
 * one, deduplicated by reportId, sorted by time, with `current` last; at most `keep` entries.
 * Returns undefined when keep is 0 (history disabled).
 */
export function nextHistory(
  current: ReportModel,
  known: readonly HistoryEntry[],
  keep: number = DEFAULT_HISTORY,
): HistoryEntry[] | undefined {
  if (keep <= 0) return undefined;
  const byId = new Map<string, HistoryEntry>();
  for (const e of known) {
    if (e.cluster !== undefined && e.cluster !== current.cluster.name) continue;
    if (e.reportId === current.reportId || !(e.generatedAt < current.generatedAt)) continue;
    byId.set(e.reportId, {
      ...e,
      frameworks: e.frameworks.map((f) => ({ id: f.id, counts: fullCounts(f.counts) })),
    });
  }
  const earlier = [...byId.values()].sort(
    (a, b) => cmp(a.generatedAt, b.generatedAt) || cmp(a.reportId, b.reportId),
  );
  return [...earlier, summarize(current)].slice(-keep);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
