/**
 * HTML report: self-contained (inline CSS, SVG and JS; no network), handlebars templates from
 * templates/html/. The only module that knows template names. Cluster data is always rendered with
 * escaping `{{ }}`; the triple-stash is used only for our own static CSS and JS files.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { Artifact, ReportModel } from '../model/types.ts';
import { sha256Hex } from '../util/hash.ts';
import { renderJson } from './json.ts';
import type { RenderOptions, Renderer } from './types.ts';
import { buildView } from './view.ts';
import { trendCharts } from '../history/svg.ts';
import { coverIntegrityLine } from '../bundle/index.ts';
import type { ViewMode } from './view.ts';

export const TEMPLATE_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../templates/html',
);
const PARTIALS = ['cover', 'toc', 'summary', 'scope', 'chapter', 'appendices'] as const;

interface Compiled {
  template: Handlebars.TemplateDelegate;
  css: string;
  js: string;
}
let compiled: Compiled | undefined;

function load(): Compiled {
  if (compiled) return compiled;
  const hb = Handlebars.create();
  const read = (p: string): string => readFileSync(path.join(TEMPLATE_DIR, p), 'utf8');
  for (const name of PARTIALS) hb.registerPartial(name, read(`partials/${name}.hbs`));
  compiled = {
    template: hb.compile(read('report.hbs'), { noEscape: false }),
    css: read('report.css'),
    js: read('report.js'),
  };
  return compiled;
}

export interface HtmlRenderOptions {
  mode?: ViewMode;
  /** Page number per TOC anchor (print mode, second pass). */
  pages?: Record<string, number>;
}

/** Renders the report as one HTML string; `print` mode is the PDF variant (no JS, nothing collapsed). */
export function renderHtmlString(model: ReportModel, opts: RenderOptions, h: HtmlRenderOptions = {}): string {
  const { template, css, js } = load();
  const reportSha256 = opts.reportSha256 ?? sha256Hex(renderJson(model).body);
  const renderedAt = (opts.now ? opts.now() : new Date()).toISOString();
  const view = buildView(model, {
    mode: h.mode ?? 'screen',
    reportSha256,
    renderedAt,
    ...(h.pages ? { pages: h.pages } : {}),
  });
  // trendSvg escapes every text it draws (src/history/svg.ts), so the SVG may be embedded as markup
  const trends = trendCharts(model).map((c) => ({ title: c.title, svg: new Handlebars.SafeString(c.svg) }));
  return template({ ...view, trends, integrityLine: coverIntegrityLine(model), css, js });
}

export function renderHtml(model: ReportModel, opts: RenderOptions): Artifact {
  return {
    filename: 'report.html',
    mediaType: 'text/html; charset=utf-8',
    body: renderHtmlString(model, opts),
  };
}

export const htmlRenderer: Renderer = { format: 'html', render: renderHtml };
