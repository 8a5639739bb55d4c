import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.ts';
import { CONFIG_ENV } from '../config/options.ts';
import type { Config } from '../config/schema.ts';
import { sealStep } from '../bundle/index.ts';
import { historySteps } from '../history/index.ts';
import { DEFAULT_MAPPINGS_DIR, loadMappings } from '../mapping/load.ts';
import { emitMetrics } from '../metrics/emit.ts';
import type { BundleRef, ReportModel } from '../model/types.ts';
import { runScan } from '../run.ts';
import { correlateSources, createSources } from '../sources/registry.ts';
import { createLogger } from '../util/log.ts';
import { TOOL_VERSION } from '../version.ts';
import { flagsToConfig } from './program.ts';
import { deliverer, renderFormats, writeLocal } from './outputs.ts';

/** Demo inputs shipped with kubeproof (written for it; see demo/README.md). */
export const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));

/** What `kubeproof schedule` passes to each scan it starts. */
export interface ScanExtras {
  /** Aborts the run (SIGTERM during a scheduled run): sources stop and clean up, the report is still written. */
  signal?: AbortSignal;
}

export async function scanCommand(opts: Record<string, unknown>, extras: ScanExtras = {}): Promise<number> {
  const t0 = performance.now();
  const flags = flagsToConfig(opts);
  if (opts['demo']) applyDemo(flags);
  const cfg = await loadConfig({
    ...(((opts['config'] as string | undefined) ?? process.env[CONFIG_ENV])
      ? { file: (opts['config'] as string | undefined) ?? process.env[CONFIG_ENV]! }
      : {}),
    env: process.env,
    flags,
  });
  const log = createLogger({ level: cfg.log.level, format: cfg.log.format });
  const mappings = await loadMappings(cfg.mappingsDir);
  const now = (): Date => new Date();
  const { sources, clusterHint, notes } = await createSources(cfg, { log, now });
  for (const n of notes) log.info(n);
  const waiversDir = path.join(cfg.mappingsDir ?? DEFAULT_MAPPINGS_DIR, 'waivers');
  const result = await runScan(cfg, {
    now,
    log,
    toolVersion: TOOL_VERSION,
    mappings,
    sources,
    ...(clusterHint ? { clusterHint } : {}),
    render: renderFormats,
    writeLocal,
    deliver: deliverer(log),
    correlate: correlateSources,
    // Every *.yaml directly in the mappings folder's waivers/ (mappings/waivers/README.md).
    ...(existsSync(waiversDir) ? { defaultGovernancePaths: [waiversDir] } : {}),
    ...historySteps(log),
    seal: sealStep(log),
    ...(extras.signal ? { signal: extras.signal } : {}),
  });
  printSummary(
    result.model,
    cfg,
    result.artifacts.map((a) => a.filename),
    result.bundle,
  );
  for (const p of result.problems) {
    process.stderr.write(`kubeproof: ${p.severity}: ${p.message}\n`);
    if (p.hint) process.stderr.write(`  hint: ${p.hint}\n`);
  }
  const durationMs = Math.round(performance.now() - t0);
  await emitMetrics(
    cfg.metrics,
    result.model,
    { exitCode: result.exitCode, durationMs, finishedAt: now() },
    { log },
  );
  return result.exitCode;
}

function applyDemo(flags: Record<string, unknown>): void {
  const d = (p: string): string => path.join(DEMO_DIR, p);
  flags['inputs.kubeBench'] ??= [
    `cp-1=${d('kube-bench/cp-1.json')}`,
    `worker-a=${d('kube-bench/worker-a.json')}`,
    `worker-b=${d('kube-bench/worker-b.txt')}`,
  ];
  flags['inputs.snapshot'] ??= [d('cluster')];
  flags['inputs.auditLog'] ??= [d('audit')];
  flags['cluster.enabled'] = false;
  flags['clusterName'] ??= 'demo-payments-prod';
  flags['formats'] ??= ['json', 'html', 'pdf', 'csv', 'sarif', 'oscal', 'hdf'];
}

/** A short human summary on stdout: per framework counts, never a "compliant" verdict. */
export function printSummary(model: ReportModel, cfg: Config, files: string[], bundle?: BundleRef): void {
  const lines: string[] = [];
  lines.push(`kubeproof ${model.tool.version} · cluster ${model.cluster.name} · report ${model.reportId}`);
  for (const r of model.runs) {
    lines.push(
      `  source ${r.source.padEnd(11)} ${r.status.padEnd(8)} ${r.findingCount} findings${r.error ? ` (${r.error.message.split('\n')[0]})` : ''}`,
    );
  }
  lines.push('');
  lines.push(
    '  framework          total automated  pass  fail waived incompl manual attest not-assessed n/a',
  );
  for (const f of model.frameworks) {
    const c = f.summary.counts;
    lines.push(
      `  ${f.id.padEnd(16)} ${String(f.summary.total).padStart(6)} ${String(f.summary.automated).padStart(9)} ${String(c.pass).padStart(5)} ${String(c.fail).padStart(5)} ${String(c.waived).padStart(6)} ${String(c.incomplete).padStart(7)} ${String(c.manual).padStart(6)} ${String(c.attested).padStart(6)} ${String(c['not-assessed']).padStart(12)} ${String(c['not-applicable']).padStart(3)}`,
    );
  }
  lines.push('');
  lines.push(
    '  Counts only: automated evidence covers part of each framework; not-assessed and manual controls need other evidence.',
  );
  if (model.diff) {
    lines.push(
      `  Since ${model.diff.previousReportId} (${model.diff.previousGeneratedAt}): ${model.diff.newFailures.length} new failures, ${model.diff.resolvedFailures.length} resolved, ${model.diff.controls.length} control status changes`,
    );
  }
  if (bundle) {
    lines.push(
      `  Evidence bundle: manifest.json SHA-256 ${bundle.manifestSha256}, ${bundle.keyFingerprint ? `signed by ${bundle.keyFingerprint}` : 'unsigned (--signing-key)'}`,
    );
  }
  lines.push(
    `  Wrote ${files.length} file${files.length === 1 ? '' : 's'} to ${cfg.out}/: ${files.join(', ')}`,
  );
  process.stdout.write(lines.join('\n') + '\n');
}
