import type { Config } from '../config/schema.ts';
import { KubeproofError } from '../errors.ts';
import { FORMATS, renderAll, type RenderOptions } from '../render/index.ts';
import { deliverAll, hasRemoteTargets } from '../deliver/index.ts';
import type { Artifact, Receipt, ReportModel } from '../model/types.ts';
import type { RenderResult } from '../run.ts';
import type { Logger } from '../util/log.ts';
import { sha256Hex } from '../util/hash.ts';

export { writeLocal } from '../deliver/file.ts';

/**
 * Renders the configured formats one by one, so a failing format (no Chromium for the PDF) loses
 * nothing else. report.json is always written: it is the contract the other formats cite by hash. Given
 * the bytes of an existing report.json (`kubeproof render`), those are written unchanged and cited.
 */
export async function renderFormats(
  model: ReportModel,
  cfg: Config,
  given?: { reportJson: Uint8Array },
): Promise<RenderResult> {
  const artifacts: Artifact[] = [];
  const errors: KubeproofError[] = [];
  const opts: RenderOptions = {
    paper: cfg.paper,
    perFramework: cfg.perFrameworkPdf,
    ...(cfg.chromium ? { chromiumPath: cfg.chromium } : {}),
    ...(cfg.frameworks ? { frameworks: cfg.frameworks } : {}),
  };
  // `kubeproof render`: report.json is the file given, byte for byte, and every format cites its hash.
  if (given) {
    artifacts.push({ filename: 'report.json', mediaType: 'application/json', body: given.reportJson });
    opts.reportSha256 = sha256Hex(given.reportJson);
  }
  const formats = FORMATS.filter(
    (f) => (f === 'json' && !given) || (f !== 'json' && cfg.formats.includes(f)),
  );
  for (const format of formats) {
    try {
      const made = await renderAll(model, [format], opts);
      artifacts.push(...made);
      // report.json comes first: the other formats reuse its hash instead of rendering it again.
      const json = format === 'json' ? made.find((a) => a.filename === 'report.json') : undefined;
      if (json) opts.reportSha256 = sha256Hex(json.body);
    } catch (err) {
      if (err instanceof KubeproofError) errors.push(err);
      else errors.push(new KubeproofError('render', `rendering ${format} failed: ${(err as Error).message}`));
    }
  }
  return { artifacts, errors };
}

/** Delivers to the configured email / S3 targets (none configured: no receipts, nothing loaded). */
export function deliverer(log: Logger): (a: Artifact[], m: ReportModel, cfg: Config) => Promise<Receipt[]> {
  return async (artifacts, model, cfg) => {
    if (!hasRemoteTargets(cfg.deliver)) return [];
    return deliverAll(artifacts, model, cfg.deliver, { logger: log });
  };
}
