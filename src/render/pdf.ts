/**
 * PDF report: the HTML report's print variant printed by headless Chromium (puppeteer-core, imported
 * lazily here only). One browser per call, closed on every path. Two passes per document: the first PDF
 * gives the page of every table-of-contents target (read from the PDF's named destinations, which Chromium
 * writes for internal links), the second prints those page numbers into the table of contents.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Artifact, ReportModel } from '../model/types.ts';
import { KubeproofError } from '../errors.ts';
import { filterFrameworks } from './filter.ts';
import { renderHtmlString } from './html.ts';
import type { RenderOptions } from './types.ts';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/** Chromium flags that work as root in a container with no network (STACK-NOTES.md). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--font-render-hinting=none',
];

/** Finds Chromium: opts.chromiumPath, then env KUBEPROOF_CHROMIUM, then the usual install paths. */
export function findChromium(opts: Pick<RenderOptions, 'chromiumPath' | 'env'>): string {
  const env = opts.env ?? process.env;
  const explicit = opts.chromiumPath ?? env['KUBEPROOF_CHROMIUM'];
  if (explicit) {
    if (existsSync(explicit)) return explicit;
    throw new KubeproofError(
      'chromium-missing',
      `Chromium not found at ${explicit} (from ${opts.chromiumPath ? '--chromium' : 'KUBEPROOF_CHROMIUM'})`,
      'install it with `apt-get install chromium` or pass the browser path with --chromium',
    );
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new KubeproofError(
      'chromium-missing',
      `the PDF report needs Chromium and none was found (looked in ${CANDIDATES.join(', ')})`,
      'install it with `apt-get install chromium` or pass the browser path with --chromium',
    );
  }
  return found;
}

/**
 * Page number (1-based) of every named destination in a Chromium (Skia) PDF: walks the page tree in
 * order and resolves `/Dests` entries to their page objects. Returns {} when the PDF has no named dests.
 */
export function pdfNamedDestPages(pdf: Uint8Array): Record<string, number> {
  const text = Buffer.from(pdf).toString('latin1');
  const objects = new Map<number, string>();
  const header = /(?:^|[\r\n])(\d+) 0 obj\b/g;
  let m: RegExpExecArray | null;
  while ((m = header.exec(text)) !== null) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endobj', start);
    if (end < 0) break;
    const body = text.slice(start, end);
    const streamAt = body.indexOf('stream');
    objects.set(Number(m[1]), streamAt >= 0 ? body.slice(0, streamAt) : body);
    header.lastIndex = end;
  }
  const kidsOf = new Map<number, number[]>();
  for (const [num, body] of objects) {
    if (!/\/Type\s*\/Pages\b/.test(body)) continue;
    const kids = /\/Kids\s*\[([^\]]*)\]/.exec(body);
    if (kids)
      kidsOf.set(
        num,
        [...(kids[1] ?? '').matchAll(/(\d+)\s+0\s+R/g)].map((k) => Number(k[1])),
      );
  }
  const referenced = new Set([...kidsOf.values()].flat());
  const roots = [...kidsOf.keys()].filter((k) => !referenced.has(k));
  const pageIndex = new Map<number, number>();
  const walk = (node: number): void => {
    const kids = kidsOf.get(node);
    if (!kids) {
      pageIndex.set(node, pageIndex.size + 1);
      return;
    }
    for (const k of kids) walk(k);
  };
  for (const r of roots) walk(r);
  const out: Record<string, number> = {};
  for (const body of objects.values()) {
    const ref = /\/Dests\s+(\d+)\s+0\s+R/.exec(body);
    if (!ref) continue;
    const dests = objects.get(Number(ref[1])) ?? '';
    for (const d of dests.matchAll(/\/([^\s[\]/<>()]+)\s*\[\s*(\d+)\s+0\s+R/g)) {
      const name = (d[1] ?? '').replace(/#([0-9a-fA-F]{2})/g, (_x, h: string) =>
        String.fromCharCode(parseInt(h, 16)),
      );
      const page = pageIndex.get(Number(d[2]));
      if (page !== undefined) out[name] = page;
    }
  }
  return out;
}

/** PDF text string as UTF-16BE hex with a byte-order mark (safe for any characters). */
function pdfText(s: string): string {
  const bytes = Buffer.from(s, 'utf16le').swap16();
  return `<FEFF${bytes.toString('hex').toUpperCase()}>`;
}

export interface PdfInfo {
  title: string;
  author: string;
  subject: string;
  keywords: string;
  creator: string;
}

/**
 * Sets the document information dictionary by an incremental update (a new Info object, an xref section
 * for it and a trailer pointing back to the original one), keeping Chromium's CreationDate and Producer.
 * Chromium itself writes only Title, Creator and Producer. Returns the PDF unchanged if its trailer is not
 * the classic form Chromium writes.
 */
export function setPdfInfo(pdf: Uint8Array, info: PdfInfo): Uint8Array {
  const tail = Buffer.from(pdf.subarray(Math.max(0, pdf.length - 2048))).toString('latin1');
  const trailer = /trailer\s*<<([\s\S]*?)>>\s*startxref\s*(\d+)\s*%%EOF\s*$/.exec(tail);
  const size = trailer ? /\/Size\s+(\d+)/.exec(trailer[1] ?? '') : null;
  const root = trailer ? /\/Root\s+(\d+\s+\d+)\s+R/.exec(trailer[1] ?? '') : null;
  if (!trailer || !size || !root) return pdf;
  const all = Buffer.from(pdf).toString('latin1');
  const oldInfoRef = /\/Info\s+(\d+)\s+0\s+R/.exec(trailer[1] ?? '');
  let keep = '';
  if (oldInfoRef) {
    const at = all.search(new RegExp(`(^|[\\r\\n])${oldInfoRef[1]} 0 obj\\b`));
    const body = at >= 0 ? all.slice(at, all.indexOf('endobj', at)) : '';
    for (const key of ['CreationDate', 'ModDate', 'Producer']) {
      const m = new RegExp(`/${key}\\s*(\\([^)]*\\)|<[0-9A-Fa-f]*>)`).exec(body);
      if (m) keep += `/${key} ${m[1]}\n`;
    }
  }
  const num = Number(size[1]);
  const obj =
    `${num} 0 obj\n<</Title ${pdfText(info.title)}\n/Author ${pdfText(info.author)}\n/Subject ${pdfText(info.subject)}\n` +
    `/Keywords ${pdfText(info.keywords)}\n/Creator ${pdfText(info.creator)}\n${keep}>>\nendobj\n`;
  const objOffset = pdf.length + 1;
  const xrefOffset = objOffset + Buffer.byteLength(obj, 'latin1');
  const update =
    `\n${obj}xref\n${num} 1\n${String(objOffset).padStart(10, '0')} 00000 n \n` +
    `trailer\n<</Size ${num + 1}\n/Root ${root[1]} R\n/Info ${num} 0 R\n/Prev ${trailer[2]}>>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.concat([Buffer.from(pdf), Buffer.from(update, 'latin1')]);
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

export interface PdfHooks {
  /** Called with Chromium's pid once it started (the bench samples its memory). */
  onBrowserPid?: (pid: number) => void;
  /** Called with the temporary profile directory (tests check it is removed). */
  onUserDataDir?: (dir: string) => void;
}

/** Renders report.pdf, or with opts.perFramework one `report-<framework>.pdf` per framework. */
export async function renderPdf(
  model: ReportModel,
  opts: RenderOptions,
  hooks: PdfHooks = {},
): Promise<Artifact[]> {
  const executablePath = findChromium(opts);
  const timeout = opts.timeoutMs ?? 120_000;
  const { default: puppeteer } = await import('puppeteer-core');
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'kubeproof-chromium-'));
  hooks.onUserDataDir?.(userDataDir);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let browser: Awaited<ReturnType<typeof puppeteer.launch>> | undefined;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      userDataDir,
      args: [...CHROMIUM_ARGS, ...(isRoot ? ['--no-sandbox'] : [])],
      // Starting the browser gets its own floor: a short page timeout must not make the launch flaky.
      timeout: Math.max(timeout, 30_000),
      protocolTimeout: Math.max(timeout, 30_000) * 2,
    });
    const pid = browser.process()?.pid;
    if (pid !== undefined) hooks.onBrowserPid?.(pid);
    const docs = opts.perFramework
      ? model.frameworks.map((fw) => ({
          model: filterFrameworks(model, [fw.id]),
          filename: `report-${fw.id}.pdf`,
        }))
      : [{ model, filename: 'report.pdf' }];
    const out: Artifact[] = [];
    for (const doc of docs) {
      const page = await browser.newPage();
      try {
        await page.setRequestInterception(true);
        // The report is self-contained; any request would be a leak or a stall in a closed network.
        page.on('request', (req) => {
          if (req.url().startsWith('data:')) void req.continue();
          else void req.abort('blockedbyclient');
        });
        await page.emulateMediaType('print');
        const print = async (pages?: Record<string, number>): Promise<Uint8Array> => {
          const html = renderHtmlString(doc.model, opts, { mode: 'print', ...(pages ? { pages } : {}) });
          await page.setContent(html, { waitUntil: 'load', timeout });
          const label = escapeHtml(`${doc.model.cluster.name} · report ${doc.model.reportId}`);
          return page.pdf({
            format: opts.paper === 'letter' ? 'Letter' : 'A4',
            printBackground: true,
            displayHeaderFooter: true,
            headerTemplate: `<div style="font-family:'DejaVu Sans',sans-serif;font-size:7.5pt;color:#5b6474;width:100%;padding:0 14mm;display:flex;justify-content:space-between"><span>Kubernetes security evidence report</span><span>${label}</span></div>`,
            footerTemplate: `<div style="font-family:'DejaVu Sans',sans-serif;font-size:7.5pt;color:#5b6474;width:100%;padding:0 14mm;display:flex;justify-content:space-between"><span>Report ${escapeHtml(doc.model.reportId)}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`,
            margin: { top: '18mm', bottom: '18mm', left: '14mm', right: '14mm' },
            outline: true,
            tagged: true,
            timeout,
          });
        };
        const first = await print();
        const pages = pdfNamedDestPages(first);
        const printed = Object.keys(pages).length > 0 ? await print(pages) : first;
        const body = setPdfInfo(printed, {
          title: `Kubernetes security evidence report: ${doc.model.cluster.name}`,
          author: `${doc.model.tool.name} ${doc.model.tool.version}`,
          subject: `Automated evidence for ${doc.model.frameworks.map((f) => `${f.name} ${f.version}`).join(', ')}; report ${doc.model.reportId}`,
          keywords: ['kubernetes', 'audit evidence', ...doc.model.frameworks.map((f) => f.id)].join(', '),
          creator: `${doc.model.tool.name} ${doc.model.tool.version} (Chromium)`,
        });
        out.push({ filename: doc.filename, mediaType: 'application/pdf', body });
      } finally {
        await page.close().catch(() => undefined);
      }
    }
    return out;
  } finally {
    if (browser) {
      const proc = browser.process();
      await Promise.race([
        browser.close().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 5000).unref()),
      ]);
      if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
    await rm(userDataDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
