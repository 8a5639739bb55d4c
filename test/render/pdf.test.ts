import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Artifact } from '../../src/model/types.ts';
import { KubeproofError } from '../../src/errors.ts';
import { renderAll } from '../../src/render/index.ts';
import { findChromium, pdfNamedDestPages, renderPdf, setPdfInfo } from '../../src/render/pdf.ts';
import { makeModel } from '../fixtures/render/model.ts';

const now = (): Date => new Date('2026-11-20T10:00:00Z');
const dir = mkdtempSync(path.join(tmpdir(), 'kubeproof-pdf-test-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const model = makeModel({ findings: 150 });
// One browser for the main report (renderAll launches one Chromium per call).
const rendered: Promise<Artifact[]> = renderAll(model, ['pdf'], { now, paper: 'a4' });

function save(a: Artifact): string {
  const file = path.join(dir, a.filename);
  writeFileSync(file, a.body);
  return file;
}
/** pdfinfo output; poppler's syntax warnings go to stderr and fail the call. */
const info = (file: string): string => {
  const r = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
  if (r.status !== 0 || r.stderr.trim() !== '') throw new Error(`pdfinfo ${file}: ${r.stderr}`);
  return r.stdout;
};
const pageText = (file: string, page?: number): string =>
  execFileSync(
    'pdftotext',
    ['-layout', ...(page ? ['-f', String(page), '-l', String(page)] : []), file, '-'],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );

test('report.pdf: metadata, A4, page count, "Page N of M", every section, 支付', async (t) => {
  const [pdf] = await rendered;
  t.is(pdf?.filename, 'report.pdf');
  t.is(pdf?.mediaType, 'application/pdf');
  const file = save(pdf!);
  const meta = info(file);
  t.regex(meta, /Title:\s+Kubernetes security evidence report: prod-eu-1/);
  t.regex(meta, /Tagged:\s+yes/);
  t.regex(meta, /Author:\s+kubeproof 0\.1\.0/);
  t.regex(meta, /Subject:\s+Automated evidence for PCI DSS 4\.0\.1/);
  t.regex(meta, /Keywords:\s+kubernetes, audit evidence, pci-dss-4\.0\.1/);
  t.regex(meta, /Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/);
  const pages = Number(/Pages:\s+(\d+)/.exec(meta)?.[1]);
  t.true(pages > 10, `${pages} pages`);
  const all = pageText(file);
  t.true(all.includes(`Page 1 of ${pages}`));
  t.true(all.includes(`Page ${pages} of ${pages}`));
  for (const heading of [
    'Contents',
    'Executive summary',
    'Scope and sources',
    'PCI DSS 4.0.1',
    'SOC 2 Trust Services Criteria 2017 (rev. 2022)',
    'ISO/IEC 27001 Annex A 2022',
    'NIST SP 800-53 Rev. 5',
    'Appendix A. Findings by source',
    'Appendix B. Unmapped findings',
    'Appendix C. Waivers and attestations',
    'Appendix D. Methodology',
    'Appendix E. Sources and versions',
  ]) {
    t.true(all.includes(heading), heading);
  }
  t.true(all.includes('支付'), 'the CJK namespace renders as text');
  t.true(all.includes(model.reportId));
});

test('report.pdf: the table of contents has page numbers and they are right', async (t) => {
  const [pdf] = await rendered;
  const file = save(pdf!);
  const toc = pageText(file, 2);
  t.true(toc.includes('Contents'));
  const entries = [...toc.matchAll(/^\s*(\S.*?\S)\s{2,}(\d+)\s*$/gm)].map((m) => ({
    title: m[1]!,
    page: Number(m[2]),
  }));
  t.true(entries.length >= 10, JSON.stringify(entries));
  let checked = 0;
  for (const e of entries) {
    // The section starts on its page: the heading is among the first lines after the running header.
    const lines = pageText(file, e.page)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    t.true(
      lines.slice(0, 3).includes(e.title),
      `${e.title} on page ${e.page}: ${lines.slice(0, 3).join(' | ')}`,
    );
    checked++;
  }
  t.true(checked >= 2);
  const pages = entries.map((e) => e.page);
  t.deepEqual(
    pages,
    [...pages].sort((a, b) => a - b),
    'monotonic',
  );
});

test('report.pdf: a page rendered to PNG is a real image', async (t) => {
  const [pdf] = await rendered;
  const file = save(pdf!);
  const prefix = path.join(dir, 'page');
  execFileSync('pdftoppm', ['-png', '-r', '50', '-f', '3', '-l', '3', file, prefix]);
  const png = `${prefix}-03.png`;
  t.true(statSync(png).size > 20_000, `${statSync(png).size} bytes`);
});

test('perFramework, letter paper and a frameworks subset: one PDF per kept framework', async (t) => {
  const out = await renderAll(model, ['pdf'], {
    now,
    paper: 'letter',
    perFramework: true,
    frameworks: ['soc2-2017', 'iso27001-2022'],
  });
  t.deepEqual(
    out.map((a) => a.filename),
    ['report-soc2-2017.pdf', 'report-iso27001-2022.pdf'],
  );
  const file = save(out[0]!);
  t.regex(info(file), /Page size:\s+612 x 792 pts \(letter\)/);
  const text = pageText(file);
  t.true(text.includes('SOC 2 Trust Services Criteria'));
  t.false(text.includes('PCI DSS 4.0.1'), 'other frameworks are left out');
  t.false(text.includes('ISO/IEC 27001 Annex A 2022'));
});

test('chromium missing: a clear KubeproofError with code and hint', async (t) => {
  const err = await t.throwsAsync(
    renderAll(model, ['pdf'], { chromiumPath: path.join(dir, 'no-such-chromium') }),
  );
  t.true(err instanceof KubeproofError);
  t.is((err as KubeproofError).code, 'chromium-missing');
  t.regex((err as KubeproofError).hint ?? '', /apt-get install chromium/);
  t.regex((err as KubeproofError).hint ?? '', /--chromium/);
  const fromEnv = t.throws(() => findChromium({ env: { KUBEPROOF_CHROMIUM: '/nope/chrome' } }));
  t.regex(fromEnv?.message ?? '', /KUBEPROOF_CHROMIUM/);
  t.is(findChromium({ env: {} }), '/usr/bin/chromium');
});

test('setPdfInfo: an incremental update poppler reads, with non-ASCII text', async (t) => {
  const [pdf] = await rendered;
  const body = setPdfInfo(pdf!.body as Uint8Array, {
    title: 'Cluster 支付-prod',
    author: 'kubeproof 9.9.9',
    subject: 's',
    keywords: 'k',
    creator: 'c',
  });
  const file = path.join(dir, 'info.pdf');
  writeFileSync(file, body);
  const meta = info(file);
  t.regex(meta, /Title:\s+Cluster 支付-prod/);
  t.regex(meta, /Author:\s+kubeproof 9\.9\.9/);
  t.regex(meta, /Producer:\s+Skia\/PDF/, 'Chromium fields are kept');
  t.true(pageText(file, 1).includes('prod-eu-1'));
});

test('a timeout rejects, and the browser and its profile directory are gone afterwards', async (t) => {
  let pid: number | undefined;
  let profile: string | undefined;
  await t.throwsAsync(
    renderPdf(
      makeModel({ findings: 2000 }),
      { now, timeoutMs: 1 },
      { onBrowserPid: (p) => (pid = p), onUserDataDir: (d) => (profile = d) },
    ),
    { message: /timeout|timed out|exceeded/i },
  );
  t.truthy(pid);
  // Gone, or a zombie not yet reaped by node: either way no longer running.
  const state = existsSync(`/proc/${pid}/stat`)
    ? readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0]
    : 'gone';
  t.true(state === 'gone' || state === 'Z', `chromium state ${state}`);
  t.false(existsSync(profile!), 'profile directory removed');
});

test('pdfNamedDestPages walks a nested page tree in order', (t) => {
  const pdf = [
    '%PDF-1.4',
    '1 0 obj\n<</Type /Catalog\n/Pages 2 0 R\n/Dests 9 0 R>>\nendobj',
    '2 0 obj\n<</Type /Pages\n/Kids [3 0 R 4 0 R]\n/Count 3>>\nendobj',
    '3 0 obj\n<</Type /Pages\n/Kids [5 0 R 6 0 R]\n/Count 2>>\nendobj',
    '4 0 obj\n<</Type /Pages\n/Kids [7 0 R]\n/Count 1>>\nendobj',
    '5 0 obj\n<</Type /Page>>\nendobj',
    '6 0 obj\n<</Type /Page>>\nendobj',
    '7 0 obj\n<</Type /Page>>\nendobj',
    '9 0 obj\n<</summary [6 0 R /XYZ 0 800 0]\n/appendix#2Da [7 0 R /XYZ 0 700 0]\n/cover [5 0 R /XYZ 0 0 0]>>\nendobj',
  ].join('\n');
  t.deepEqual(pdfNamedDestPages(Buffer.from(pdf, 'latin1')), { summary: 2, 'appendix-a': 3, cover: 1 });
  t.deepEqual(pdfNamedDestPages(Buffer.from('%PDF-1.4\n', 'latin1')), {});
});
