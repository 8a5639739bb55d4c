import type { ReportModel } from '../model/types.ts';

/**
 * What a report's evidence period rests on, for the cover and the email to state it the same way: whether
 * audit logs were read (a --since/--until window bounds only them), the span of the audit events read, and
 * whether other (point-in-time) sources ran.
 */
export function periodFacts(model: ReportModel): {
  auditRead: boolean;
  auditSpan?: { first: string; last: string };
  otherSources: boolean;
} {
  const audit = model.runs.find(
    (r) => r.source === 'audit-log' && (r.status === 'ok' || r.status === 'partial'),
  );
  const first = audit?.stats?.['firstTimestamp'];
  const last = audit?.stats?.['lastTimestamp'];
  return {
    auditRead: audit !== undefined,
    ...(typeof first === 'string' && typeof last === 'string' ? { auditSpan: { first, last } } : {}),
    otherSources: model.runs.some((r) => r.source !== 'audit-log'),
  };
}
