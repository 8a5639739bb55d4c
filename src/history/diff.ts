import type { ReportModel, RunDiff } from '../model/types.ts';
import { diffReports } from '../report/diff.ts';

/**
 * Pure: the `diff` of a report against the previous run. It is the `kubeproof diff` result plus the keys the
 * email summary reads (`previousReportId`, `previousGeneratedAt`, `controls`).
 */
export function runDiff(previous: ReportModel, current: ReportModel, previousLocation: string): RunDiff {
  const d = diffReports(previous, current);
  return {
    previousReportId: previous.reportId,
    previousGeneratedAt: previous.generatedAt,
    previousLocation,
    newFailures: d.newFailures,
    resolvedFailures: d.resolvedFailures,
    controls: d.controlChanges,
    counts: d.counts,
  };
}
