/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return --
   browser callbacks run in Chromium; the project compiles without the DOM lib, so element types are unresolved. */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import type { Browser } from 'puppeteer-core';
import { renderAll } from '../../src/render/index.ts';
import { renderHtmlString } from '../../src/render/html.ts';
import { CHROMIUM_ARGS, findChromium } from '../../src/render/pdf.ts';
import { sha256Hex } from '../../src/util/hash.ts';
import { makeModel } from '../fixtures/render/model.ts';

const now = (): Date => new Date('2026-11-20T10:00:00Z');
const model = makeModel({ findings: 400 });
const [jsonArt, htmlArt] = await renderAll(model, ['json', 'html'], { now });
const html = String(htmlArt?.body);

let browser: Browser | undefined;
const userDataDir = mkdtempSync(path.join(tmpdir(), 'kubeproof-test-chromium-'));
test.before(async () => {
  browser = await puppeteer.launch({
    executablePath: findChromium({}),
    headless: true,
    userDataDir,
    args: [...CHROMIUM_ARGS, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
  });
});
test.after.always(async () => {
  await browser?.close();
  rmSync(userDataDir, { recursive: true, force: true });
});

test('each framework states how many of its controls automated evidence reached (a count, not a score)', (t) => {
  for (const fw of model.frameworks) {
    t.true(
      html.includes(
        `${fw.summary.total} controls, ${fw.summary.automated} of them reached by automated evidence`,
      ),
      fw.id,
    );
  }
  t.notRegex(html, /\d+(\.\d+)?\s*%\s*(compliant|complian)/i);
});

test('html is self-contained, declares its language and carries the report.json hash', (t) => {
  t.is(htmlArt?.filename, 'report.html');
  t.regex(html, /^<!DOCTYPE html>\n<html lang="en">/);
  t.notRegex(html, /<(script|link|img)[^>]+(src|href)=/i, 'no external resources');
  t.notRegex(html, /(src|href)="(https?:)?\/\//i);
  t.true(html.includes(`<code class="hash">${sha256Hex(String(jsonArt?.body))}</code>`));
  t.true(html.includes('<svg class="bar" role="img"'));
  t.true(html.includes('<th scope="col"'));
  t.true(html.includes('<th scope="row"'));
});

test('cluster data is escaped, never raw HTML', (t) => {
  t.false(html.includes('<script>alert(1)</script>'));
  t.true(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  t.true(html.includes('支付/'));
});

test('honest wording: no "compliant", no percentage score; not-assessed and manual counts are stated', (t) => {
  t.notRegex(html, /compliant/i);
  t.regex(html, /were not assessed because/);
  t.regex(html, /need organisational evidence/);
});

test('every control status and the failed source with its reason appear', (t) => {
  for (const label of [
    'Fail',
    'Pass',
    'Waived',
    'Incomplete',
    'Manual',
    'Attested',
    'Not assessed',
    'Not applicable',
  ]) {
    t.true(html.includes(`">${label}</span>`), label);
  }
  t.regex(html, /row-failed[\s\S]*?Kubernetes audit log[\s\S]*?permission denied/);
  t.regex(html, /Waiver waiver-netpol-2026/);
});

test('in Chromium: no console errors, no network request, search and status filter change the visible rows', async (t) => {
  const page = await browser!.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
  });
  await page.setContent(html, { waitUntil: 'load' });
  const shownRows = (): Promise<number> =>
    page.$$eval('#explorer tbody tr:not([hidden])', (rows) => rows.length);
  const total = await shownRows();
  t.true(total > 50);
  t.false(
    await page.$eval('#explorer-tools', (e) => e.hasAttribute('hidden')),
    'tools are revealed by the script',
  );
  await page.type('#f-search', '支付');
  const filtered = await shownRows();
  t.true(filtered > 0 && filtered < total, `${filtered} of ${total}`);
  t.true(
    await page.$$eval('#explorer tbody tr:not([hidden])', (rows) =>
      rows.every((r) => r.textContent!.includes('支付')),
    ),
  );
  t.regex(await page.$eval('#f-count', (e) => e.textContent ?? ''), /of \d+ listed findings shown/);
  await page.select('#f-status', 'fail');
  const failing = await shownRows();
  t.true(failing > 0 && failing <= filtered);
  t.true(
    await page.$$eval('#explorer tbody tr:not([hidden])', (rows) =>
      rows.every((r) => r.getAttribute('data-status') === 'fail'),
    ),
  );
  // Sorting a table by its first column reorders its rows.
  await page.click('#f-search', { count: 3 });
  await page.keyboard.press('Backspace');
  await page.select('#f-status', '');
  const table = await page.$('#explorer table.sortable');
  await table!.$eval('th[data-sort]', (th) => (th as unknown as { click(): void }).click());
  const asc = await table!.$$eval('tbody tr td:first-child', (c) => c.map((x) => x.textContent!.trim()));
  t.true(asc.length > 1);
  t.deepEqual(
    asc,
    [...asc].sort((a, b) => a.localeCompare(b)),
  );
  t.deepEqual(errors, []);
  t.deepEqual(requests, []);
  await page.close();
});

test('20,000 findings: HTML stays bounded (rows capped per rule, excerpts capped)', (t) => {
  const big = makeModel({ findings: 20_000 });
  const started = process.hrtime.bigint();
  const out = renderHtmlString(big, { now, reportSha256: 'f'.repeat(64) });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.log(`20,000 findings → ${(out.length / 1e6).toFixed(2)} MB HTML in ${ms.toFixed(0)} ms`);
  t.true(big.findings.length >= 19_000);
  t.true(out.length < 3_000_000, `${out.length} bytes`);
  const rows = (out.match(/<tr data-status=/g) ?? []).length;
  t.true(rows <= 20 * 25, `${rows} rows in the explorer`);
  t.regex(out, /more findings for this rule in findings\.csv/);
});
