/**
 * Writes a run's metrics where the configuration asks: a textfile for node-exporter's textfile collector
 * (`--metrics-file`, written atomically) and/or a Prometheus Pushgateway (`--pushgateway`). Failures are
 * logged as warnings and never change the run's exit code: a stale last-success timestamp is what alerts.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReportModel } from '../model/types.ts';
import type { Logger } from '../util/log.ts';
import { redactUrl } from '../util/redact.ts';
import { buildMetrics, formatMetrics, LAST_SUCCESS, readSample } from './prometheus.ts';
import type { RunFacts } from './prometheus.ts';

export interface MetricsConfig {
  file?: string | undefined;
  pushgateway?: string | undefined;
  job: string;
}

export interface EmitDeps {
  log: Logger;
  /** HTTP client for the Pushgateway (default: global fetch). */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** Writes the textfile and/or pushes to the Pushgateway. Returns what was done, for logs and tests. */
export async function emitMetrics(
  cfg: MetricsConfig,
  model: ReportModel | undefined,
  run: RunFacts,
  deps: EmitDeps,
): Promise<{ file?: 'written' | 'failed'; pushgateway?: 'pushed' | 'failed' }> {
  const out: { file?: 'written' | 'failed'; pushgateway?: 'pushed' | 'failed' } = {};
  if (!cfg.file && !cfg.pushgateway) return out;
  const families = buildMetrics(model, run);
  if (cfg.file) {
    try {
      let text = formatMetrics(families);
      if (!families.some((f) => f.name === LAST_SUCCESS)) text += await carriedLastSuccess(cfg.file);
      await writeAtomically(cfg.file, text);
      out.file = 'written';
      deps.log.debug(`metrics written to ${cfg.file}`);
    } catch (err) {
      out.file = 'failed';
      deps.log.warn(
        `metrics: cannot write ${cfg.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  if (cfg.pushgateway) {
    try {
      const { url, authorization } = splitCredentials(
        pushUrl(cfg.pushgateway, cfg.job, model?.cluster.name ?? 'unknown'),
      );
      // POST replaces only the metrics it carries: a failed run's push keeps the last-success sample.
      const res = await (deps.fetch ?? fetch)(url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; version=0.0.4', ...(authorization ? { authorization } : {}) },
        body: formatMetrics(families),
        signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      out.pushgateway = 'pushed';
      deps.log.debug(`metrics pushed to ${redactUrl(cfg.pushgateway)}`);
    } catch (err) {
      out.pushgateway = 'failed';
      const e = err as Error & { cause?: { code?: string } };
      deps.log.warn(`metrics: push to ${redactUrl(cfg.pushgateway)} failed: ${e.cause?.code ?? e.message}`);
    }
  }
  return out;
}

/** Pushgateway grouping URL: /metrics/job/<job>/cluster/<cluster>, values base64url-encoded when needed. */
export function pushUrl(base: string, job: string, cluster: string): string {
  const seg = (name: string, v: string): string =>
    /^[A-Za-z0-9_.:-]+$/.test(v)
      ? `${name}/${v}`
      : `${name}@base64/${Buffer.from(v).toString('base64url') || '='}`;
  return `${base.replace(/\/+$/, '')}/metrics/${seg('job', job)}/${seg('cluster', cluster)}`;
}

/** fetch() refuses URLs with user info: move it into a Basic Authorization header. */
function splitCredentials(raw: string): { url: string; authorization?: string } {
  const u = new URL(raw);
  if (!u.username && !u.password) return { url: raw };
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

async function carriedLastSuccess(file: string): Promise<string> {
  let previous: string;
  try {
    previous = await readFile(file, 'utf8');
  } catch {
    return '';
  }
  const s = readSample(previous, LAST_SUCCESS);
  if (!s) return '';
  return `# HELP ${LAST_SUCCESS} When the last successful run finished (Unix time).\n# TYPE ${LAST_SUCCESS} gauge\n${s.line}\n`;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  // node-exporter may read at any moment: write a temporary file in the same directory, then rename.
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, file);
}
