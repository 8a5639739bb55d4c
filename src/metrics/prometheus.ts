/**
 * Prometheus metrics of a run, as pure values, and their text exposition format (version 0.0.4).
 *
 * Metrics (all gauges; labels `cluster` on every sample):
 * - kubeproof_controls{framework,status}: controls per framework and status (every status, zeros included)
 * - kubeproof_findings{source,status}: findings per source and status
 * - kubeproof_source_up{source}: 1 when the source collected (ok or partial), 0 when it failed
 * - kubeproof_run_duration_seconds, kubeproof_run_exit_code, kubeproof_last_run_timestamp_seconds
 * - kubeproof_last_success_timestamp_seconds: only present after a successful run (exit 0, or 4 when the
 *   --fail-on gate tripped: the report was complete); carried over from the previous file otherwise, so an
 *   alert on its age catches runs that stopped succeeding.
 */
import { CONTROL_STATUSES, FINDING_STATUSES } from '../model/types.ts';
import type { ReportModel } from '../model/types.ts';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge';
  samples: Sample[];
}

export interface RunFacts {
  exitCode: number;
  durationMs: number;
  finishedAt: Date;
}

export const LAST_SUCCESS = 'kubeproof_last_success_timestamp_seconds';

/** True for exit codes after which the report is complete (0 ok, 4 gate tripped). */
export function isSuccess(exitCode: number): boolean {
  return exitCode === 0 || exitCode === 4;
}

/** The metric families of one run. Deterministic: families and samples in a fixed order. */
export function buildMetrics(model: ReportModel | undefined, run: RunFacts): MetricFamily[] {
  const cluster = model?.cluster.name ?? 'unknown';
  const l = (extra: Record<string, string> = {}): Record<string, string> => ({ cluster, ...extra });
  const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);
  const families: MetricFamily[] = [];
  if (model) {
    families.push({
      name: 'kubeproof_controls',
      help: 'Framework controls by status in the last report.',
      type: 'gauge',
      samples: [...model.frameworks]
        .sort((a, b) => a.id.localeCompare(b.id))
        .flatMap((f) =>
          CONTROL_STATUSES.map((s) => ({
            labels: l({ framework: f.id, status: s }),
            value: f.summary.counts[s] ?? 0,
          })),
        ),
    });
    const bySource = new Map<string, Map<string, number>>();
    for (const src of model.scope.sources) bySource.set(src, new Map());
    for (const f of model.findings) {
      const m = bySource.get(f.source) ?? new Map<string, number>();
      m.set(f.status, (m.get(f.status) ?? 0) + 1);
      bySource.set(f.source, m);
    }
    families.push({
      name: 'kubeproof_findings',
      help: 'Findings by source and status in the last report.',
      type: 'gauge',
      samples: [...bySource.keys()].sort().flatMap((src) =>
        FINDING_STATUSES.map((s) => ({
          labels: l({ source: src, status: s }),
          value: bySource.get(src)!.get(s) ?? 0,
        })),
      ),
    });
    families.push({
      name: 'kubeproof_source_up',
      help: 'Whether each source collected in the last run (1) or failed (0).',
      type: 'gauge',
      samples: [...model.runs]
        .sort((a, b) => a.source.localeCompare(b.source))
        .map((r) => ({ labels: l({ source: r.source }), value: r.status === 'failed' ? 0 : 1 })),
    });
  }
  families.push(
    {
      name: 'kubeproof_run_duration_seconds',
      help: 'Duration of the last run.',
      type: 'gauge',
      samples: [{ labels: l(), value: run.durationMs / 1000 }],
    },
    {
      name: 'kubeproof_run_exit_code',
      help: 'Exit code of the last run (0 ok, 2 bad input, 3 partial, 4 gate).',
      type: 'gauge',
      samples: [{ labels: l(), value: run.exitCode }],
    },
    {
      name: 'kubeproof_last_run_timestamp_seconds',
      help: 'When the last run finished (Unix time).',
      type: 'gauge',
      samples: [{ labels: l(), value: seconds(run.finishedAt) }],
    },
  );
  if (isSuccess(run.exitCode)) {
    families.push({
      name: LAST_SUCCESS,
      help: 'When the last successful run finished (Unix time).',
      type: 'gauge',
      samples: [{ labels: l(), value: seconds(run.finishedAt) }],
    });
  }
  return families;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Prometheus text exposition format. */
export function formatMetrics(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      lines.push(`${f.name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Reads one sample's value (the first) of a metric from exposition text; undefined when absent. */
export function readSample(text: string, name: string): { line: string; value: number } | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || !/[{ ]/.test(line[name.length] ?? '')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) return { line, value };
  }
  return undefined;
}
