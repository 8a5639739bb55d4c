/**
 * Renderers of the ReportModel. renderAll() filters frameworks, renders report.json first and passes
 * the SHA-256 of its exact bytes to the HTML and PDF renderers (shown on their cover); given that hash
 * (opts.reportSha256), it renders report.json only when json is among the formats. The PDF module
 * (and with it puppeteer) is imported only when the pdf format is requested.
 */
import type { Artifact, ReportModel } from '../model/types.ts';
import { UsageError } from '../errors.ts';
import { filterFrameworks } from './filter.ts';
import { sha256Hex } from '../util/hash.ts';
import { csvRenderer } from './csv.ts';
import { hdfRenderer } from './hdf.ts';
import { htmlRenderer } from './html.ts';
import { jsonRenderer, renderJson } from './json.ts';
import { oscalRenderer } from './oscal.ts';
import { sarifRenderer } from './sarif.ts';
import type { RenderOptions, Renderer } from './types.ts';

export type { RenderOptions, Renderer } from './types.ts';
export { filterFrameworks } from './filter.ts';

export const FORMATS = ['json', 'html', 'pdf', 'csv', 'sarif', 'oscal', 'hdf'] as const;
export type Format = (typeof FORMATS)[number];

const pdfRenderer: Renderer = {
  format: 'pdf',
  async render(model, opts) {
    const { renderPdf } = await import('./pdf.ts');
    return renderPdf(model, opts);
  },
};

export const RENDERERS: Record<Format, Renderer> = {
  json: jsonRenderer,
  html: htmlRenderer,
  pdf: pdfRenderer,
  csv: csvRenderer,
  sarif: sarifRenderer,
  oscal: oscalRenderer,
  hdf: hdfRenderer,
};

/** Renders every requested format, in FORMATS order; each format may give several artifacts. */
export async function renderAll(
  model: ReportModel,
  formats: string[],
  opts: RenderOptions = {},
): Promise<Artifact[]> {
  const unknown = formats.filter((f) => !(FORMATS as readonly string[]).includes(f));
  if (unknown.length > 0) {
    throw new UsageError(`unknown format(s) ${unknown.join(', ')}`, `choose from ${FORMATS.join(', ')}`);
  }
  const filtered = filterFrameworks(model, opts.frameworks);
  // report.json is rendered when asked for, or when its hash is needed and not given.
  const json = formats.includes('json') || opts.reportSha256 === undefined ? renderJson(filtered) : undefined;
  const withHash: RenderOptions = { ...opts, reportSha256: opts.reportSha256 ?? sha256Hex(json!.body) };
  const out: Artifact[] = [];
  for (const format of FORMATS) {
    if (!formats.includes(format)) continue;
    if (format === 'json') {
      out.push(json!);
      continue;
    }
    const r = await RENDERERS[format].render(filtered, withHash);
    out.push(...(Array.isArray(r) ? r : [r]));
  }
  return out;
}
