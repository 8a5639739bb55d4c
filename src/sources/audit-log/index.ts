/**
 * The audit-log source: reads Kubernetes API server audit logs (`--audit-log PATH`, repeatable) and
 * reports whether logging is on and complete and who touched sensitive things. `read` streams the
 * files into a bounded summary (constant memory); `normalize` turns it into findings (pure).
 */
import type { Source, SourceContext } from '../types.ts';
import { analyzeAudit, type AuditLogRaw } from './analyze.ts';
import { readAuditLogs } from './read.ts';
import { DEFAULT_OPTIONS, type AuditOptions } from './types.ts';

export type { AuditLogRaw } from './analyze.ts';
export type { AuditSummary } from './aggregate.ts';
export type { AuditOptions } from './types.ts';
export { AUDIT_RULES, analyzeAudit } from './analyze.ts';
export { correlateWithRbac, correlateWithRbacOutput, type RbacGrant, type RbacSubject } from './correlate.ts';
export { readAuditLogs } from './read.ts';
export { DEFAULT_OPTIONS as DEFAULT_AUDIT_OPTIONS } from './types.ts';

/** True for a parsed audit Event or EventList (used to name an audit log given to another source). */
export function isAuditLogJson(json: unknown): boolean {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return false;
  const o = json as Record<string, unknown>;
  if (o['kind'] === 'EventList') return Array.isArray(o['items']);
  return (
    (o['kind'] === 'Event' || o['kind'] === undefined) &&
    typeof o['auditID'] === 'string' &&
    typeof o['verb'] === 'string'
  );
}

/**
 * Builds the audit-log Source over the given paths (files, directories, rotated or gzip files).
 * `opts` overrides DEFAULT_OPTIONS (gap threshold, burst threshold, expected Secret readers...).
 * The report window comes from `ctx.period` (`--since` / `--until`).
 */
export function auditLogSource(paths: string[], opts: Partial<AuditOptions> = {}): Source<AuditLogRaw> {
  const options: AuditOptions = { ...DEFAULT_OPTIONS, ...opts };
  return {
    id: 'audit-log',
    title: 'Kubernetes API server audit log',
    async read(ctx: SourceContext): Promise<AuditLogRaw> {
      const started = Date.now();
      const ro: Parameters<typeof readAuditLogs>[2] = {};
      if (ctx.period) ro.period = ctx.period;
      if (ctx.signal) ro.signal = ctx.signal;
      const res = await readAuditLogs(paths, options, ro);
      const st = res.summary.stats;
      ctx.log.info('audit log read', {
        files: res.inputs.length,
        lines: st.lines,
        requests: st.requests,
        malformed: st.malformed,
        ms: Date.now() - started,
      });
      for (const u of res.unreadable)
        ctx.log.warn('audit log path unreadable', { path: u.path, reason: u.message });
      return { paths, ...res };
    },
    normalize(raw: AuditLogRaw, ctx: SourceContext) {
      return analyzeAudit(raw, ctx.now());
    },
    detect: isAuditLogJson,
  };
}
