import { readFile } from 'node:fs/promises';
import { loadConfig } from '../config/load.ts';
import { CONFIG_ENV } from '../config/options.ts';
import { InputError } from '../errors.ts';
import { reportModelSchema } from '../model/schema.ts';
import type { ReportModel } from '../model/types.ts';
import { formatIssues } from '../util/zod-issues.ts';
import { flagsToConfig } from './program.ts';
import { sealStep } from '../bundle/index.ts';
import { createLogger } from '../util/log.ts';
import { deliverer, renderFormats, writeLocal } from './outputs.ts';
import { jsonErrorMessage } from '../util/json-error.ts';

/** `kubeproof render report.json`: re-renders (and optionally re-delivers) without rescanning. */
export async function renderCommand(file: string, opts: Record<string, unknown>): Promise<number> {
  const cfgFile = (opts['config'] as string | undefined) ?? process.env[CONFIG_ENV];
  const cfg = await loadConfig({
    ...(cfgFile ? { file: cfgFile } : {}),
    env: process.env,
    flags: flagsToConfig(opts),
  });
  const { model, bytes } = await readReportFile(file);
  if (cfg.frameworks) {
    const unknown = cfg.frameworks.filter((f) => !model.frameworks.some((m) => m.id === f));
    if (unknown.length > 0) {
      throw new InputError(file, `the report has no framework ${unknown.join(', ')}`, {
        path: 'frameworks',
        hint: `it has: ${model.frameworks.map((f) => f.id).join(', ')}`,
      });
    }
  }
  // The report given is the evidence: it is copied byte for byte (never re-serialised, never filtered by
  // --frameworks), and the HTML/PDF covers cite its SHA-256.
  const rendered = await renderFormats(model, cfg, { reportJson: bytes });
  let code = 0;
  for (const e of rendered.errors) {
    process.stderr.write(`kubeproof: error: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
    code = e.code === 'chromium-missing' ? 2 : 3;
  }
  // The re-rendered set gets its own manifest, so `kubeproof verify` holds for the new folder too.
  const log = createLogger({ level: cfg.log.level, format: cfg.log.format });
  const sealed = await sealStep(log)(model, rendered.artifacts, cfg);
  for (const p of sealed.problems) {
    process.stderr.write(`kubeproof: ${p.severity}: ${p.message}\n${p.hint ? `  hint: ${p.hint}\n` : ''}`);
    if (p.severity === 'error') code = code || 2;
  }
  rendered.artifacts.push(...sealed.artifacts);
  const local = await writeLocal(cfg.out, rendered.artifacts);
  if (!local.ok) {
    process.stderr.write(`kubeproof: error: writing ${cfg.out}: ${local.error}\n`);
    code = code || 3;
  }
  for (const r of await deliverer(log)(rendered.artifacts, model, cfg)) {
    if (!r.ok) {
      process.stderr.write(`kubeproof: error: delivery to ${r.target} failed: ${r.error}\n`);
      code = code || 3;
    }
  }
  process.stdout.write(`Wrote ${rendered.artifacts.map((a) => a.filename).join(', ')} to ${cfg.out}/\n`);
  return code;
}

/** Reads and validates a report.json (any 1.x schema version). */
export async function readReport(file: string): Promise<ReportModel> {
  return (await readReportFile(file)).model;
}

/** A report.json's validated model and its exact bytes. */
export async function readReportFile(file: string): Promise<{ model: ReportModel; bytes: Buffer }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InputError(
      file,
      `cannot read the report (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      {
        hint: 'pass the report.json that `kubeproof scan` wrote',
      },
    );
  }
  const text = bytes.toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError(file, `not valid JSON (${jsonErrorMessage(err)})`, {
      hint: 'the file may be truncated',
    });
  }
  const parsed = reportModelSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    throw new InputError(
      file,
      `not a kubeproof report:\n  ${formatIssues(parsed.error, '', 5).split('\n').join('\n  ')}`,
      {
        hint: 'pass the report.json that `kubeproof scan` wrote',
      },
    );
  }
  return { model: parsed.data, bytes };
}
