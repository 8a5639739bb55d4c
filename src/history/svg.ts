/**
 * trendSvg: a small self-contained SVG line chart of control status counts over the last runs, for the
 * HTML report (embedded inline) and anything else that wants a picture. Pure. Every piece of text that
 * comes from data (framework id, dates, title) is XML-escaped, and every number is checked finite, so the
 * output is safe to embed with handlebars' triple-stash.
 */
import type { ControlStatus, HistoryEntry } from '../model/types.ts';

export interface TrendSvgOptions {
  /** Framework id whose counts are drawn. */
  framework: string;
  /** Statuses drawn, one line each; default fail, incomplete, waived, pass, attested. */
  statuses?: readonly ControlStatus[];
  width?: number;
  height?: number;
  /** Accessible title; default `Control status counts, <framework>, last N runs`. */
  title?: string;
}

export const DEFAULT_TREND_STATUSES: readonly ControlStatus[] = [
  'fail',
  'incomplete',
  'waived',
  'pass',
  'attested',
];

/** Colours per status, also distinguishable by dash pattern (for print and colour-blind readers). */
const STYLE: Record<ControlStatus, { color: string; dash: string }> = {
  fail: { color: '#c0392b', dash: '' },
  incomplete: { color: '#d68910', dash: '6 3' },
  waived: { color: '#7d3c98', dash: '2 3' },
  pass: { color: '#1e8449', dash: '' },
  attested: { color: '#2471a3', dash: '8 3 2 3' },
  manual: { color: '#7f8c8d', dash: '4 4' },
  'not-assessed': { color: '#566573', dash: '1 3' },
  'not-applicable': { color: '#aab7b8', dash: '3 6' },
};

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]!};`,
  );
}

const num = (n: number): string => (Number.isFinite(n) ? String(Math.round(n * 10) / 10) : '0');
const count = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0);

/** Renders the trend of one framework as an SVG document fragment (`<svg ...>...</svg>`). */
export function trendSvg(history: readonly HistoryEntry[], opts: TrendSvgOptions): string {
  const width = clampSize(opts.width, 560);
  const height = clampSize(opts.height, 200);
  const statuses = opts.statuses ?? DEFAULT_TREND_STATUSES;
  const runs = history
    .map((h) => ({ at: h.generatedAt, fw: h.frameworks.find((f) => f.id === opts.framework) }))
    .filter((r): r is { at: string; fw: HistoryEntry['frameworks'][number] } => r.fw !== undefined);
  const title =
    opts.title ??
    `Control status counts, ${opts.framework}, last ${runs.length} run${runs.length === 1 ? '' : 's'}`;
  const open =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `role="img" aria-label="${escapeXml(title)}" font-family="sans-serif" font-size="11">` +
    `<title>${escapeXml(title)}</title>`;
  if (runs.length === 0) {
    return `${open}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#566573">No run history for ${escapeXml(opts.framework)}</text></svg>`;
  }
  const left = 40;
  const right = width - 110;
  const top = 12;
  const bottom = height - 28;
  const max = Math.max(1, ...runs.flatMap((r) => statuses.map((s) => count(r.fw.counts[s]))));
  const x = (i: number): number =>
    runs.length === 1 ? (left + right) / 2 : left + ((right - left) * i) / (runs.length - 1);
  const y = (v: number): number => bottom - ((bottom - top) * v) / max;
  const parts: string[] = [open];
  // axes, zero and max labels
  parts.push(
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#999"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#999"/>`,
    `<text x="${left - 4}" y="${bottom + 4}" text-anchor="end" fill="#333">0</text>`,
    `<text x="${left - 4}" y="${top + 4}" text-anchor="end" fill="#333">${max}</text>`,
    `<text x="${left}" y="${bottom + 16}" text-anchor="start" fill="#333">${escapeXml(runs[0]!.at.slice(0, 10))}</text>`,
  );
  if (runs.length > 1) {
    parts.push(
      `<text x="${right}" y="${bottom + 16}" text-anchor="end" fill="#333">${escapeXml(runs.at(-1)!.at.slice(0, 10))}</text>`,
    );
  }
  statuses.forEach((s, li) => {
    const st = STYLE[s];
    const pts = runs.map((r, i) => `${num(x(i))},${num(y(count(r.fw.counts[s])))}`);
    if (runs.length > 1) {
      parts.push(
        `<polyline fill="none" stroke="${st.color}" stroke-width="2"${st.dash ? ` stroke-dasharray="${st.dash}"` : ''} points="${pts.join(' ')}"/>`,
      );
    }
    runs.forEach((r, i) => {
      const v = count(r.fw.counts[s]);
      parts.push(
        `<circle cx="${num(x(i))}" cy="${num(y(v))}" r="2.5" fill="${st.color}"><title>${escapeXml(`${r.at}: ${s} ${v}`)}</title></circle>`,
      );
    });
    const ly = top + 4 + li * 16;
    const last = count(runs.at(-1)!.fw.counts[s]);
    parts.push(
      `<line x1="${right + 10}" y1="${ly}" x2="${right + 28}" y2="${ly}" stroke="${st.color}" stroke-width="2"${st.dash ? ` stroke-dasharray="${st.dash}"` : ''}/>`,
      `<text x="${right + 32}" y="${ly + 4}" fill="#333">${escapeXml(s)} ${last}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function clampSize(v: number | undefined, dflt: number): number {
  return v !== undefined && Number.isFinite(v) ? Math.min(4000, Math.max(160, Math.round(v))) : dflt;
}

/**
 * One chart per framework of the report, for the HTML renderer: empty when the report carries fewer than two
 * runs of history (a single point is not a trend). `svg` is safe to embed unescaped (see trendSvg).
 */
export function trendCharts(
  model: {
    history?: readonly HistoryEntry[] | undefined;
    frameworks: readonly { id: string; name: string; version: string }[];
  },
  opts: Omit<TrendSvgOptions, 'framework' | 'title'> = {},
): { framework: string; title: string; svg: string }[] {
  const h = model.history ?? [];
  if (h.length < 2) return [];
  return model.frameworks.map((f) => {
    const title = `${f.name} ${f.version}: control status counts over the last ${h.length} runs`;
    return { framework: f.id, title, svg: trendSvg(h, { ...opts, framework: f.id, title }) };
  });
}
