import type { Config } from '../config/schema.ts';
import { deliverAll, hasRemoteTargets } from '../deliver/index.ts';
import type { Artifact, Receipt, ReportModel } from '../model/types.ts';
import type { RenderResult } from '../run.ts';
import type { Logger } from '../util/log.ts';

export { writeLocal } from '../deliver/file.ts';

/** Renders the configured formats. */
export async function renderFormats(model: ReportModel, cfg: Config): Promise<RenderResult> {
  const artifacts: Artifact[] = [];
  if (cfg.formats.includes('json')) {
    artifacts.push({ filename: 'report.json', mediaType: 'application/json', body: JSON.stringify(model, null, 2) + '\n' });
  }
  return { artifacts, errors: [] };
}

/** Delivers to the configured email / S3 targets (none configured: no receipts, nothing loaded). */
export function deliverer(log: Logger): (a: Artifact[], m: ReportModel, cfg: Config) => Promise<Receipt[]> {
  return async (artifacts, model, cfg) => {
    if (!hasRemoteTargets(cfg.deliver)) return [];
    return deliverAll(artifacts, model, cfg.deliver, { logger: log });
  };
}
