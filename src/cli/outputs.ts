import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Artifact, Receipt, ReportModel } from '../model/types.ts';
import type { RenderResult } from '../run.ts';

/** Renders the configured formats. */
export async function renderFormats(model: ReportModel, cfg: Config): Promise<RenderResult> {
  const artifacts: Artifact[] = [];
  if (cfg.formats.includes('json')) {
    artifacts.push({ filename: 'report.json', mediaType: 'application/json', body: JSON.stringify(model, null, 2) + '\n' });
  }
  return { artifacts, errors: [] };
}

/** Writes every artifact atomically (temporary file, then rename) into dir. */
export async function writeLocal(dir: string, artifacts: Artifact[]): Promise<Receipt> {
  try {
    await mkdir(dir, { recursive: true });
    for (const a of artifacts) {
      const dest = path.join(dir, a.filename);
      const tmp = `${dest}.tmp-${process.pid}`;
      await writeFile(tmp, a.body);
      await rename(tmp, dest);
    }
    return { kind: 'file', target: path.resolve(dir), ok: true, artifacts: artifacts.map((a) => a.filename) };
  } catch (err) {
    return { kind: 'file', target: path.resolve(dir), ok: false, error: (err as Error).message, artifacts: [] };
  }
}

export async function deliverArtifacts(_a: Artifact[], _m: ReportModel, _cfg: Config): Promise<Receipt[]> {
  return [];
}
