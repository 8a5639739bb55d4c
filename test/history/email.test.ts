import test from 'ava';
import { buildEmailView } from '../../src/deliver/summary.ts';
import { renderEmail } from '../../src/deliver/templates.ts';
import { attachHistory } from '../../src/history/index.ts';
import { memoryLogger } from '../../src/util/log.ts';
import type { ReportModel } from '../../src/model/types.ts';
import { seriesReport } from '../support/history.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

test('the email shows new and resolved failures, control changes, the trend and the bundle citation', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-email-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  let model: ReportModel | undefined;
  for (let i = 0; i < 4; i++) {
    const prev = path.join(dir, `r${i - 1}.json`);
    model = (
      await attachHistory(await seriesReport(i), {
        previous: i === 0 ? 'none' : prev,
        keep: 10,
        out: dir,
        log: memoryLogger(),
      })
    ).model;
    await writeFile(path.join(dir, `r${i}.json`), JSON.stringify(model));
  }
  const delivered = { ...model!, bundle: { manifestSha256: 'a'.repeat(64), keyFingerprint: 'SHA256:abc' } };
  const v = buildEmailView(delivered);
  t.deepEqual(v.failures && [v.failures.newCount, v.failures.resolvedCount], [1, 0]);
  t.regex(v.failures!.newItems[0]!, /^kube-bench 1\.2\.16 Node\/cp-1: check 1\.2\.16$/);
  t.is(v.trend?.runs, 4);
  t.is(v.bundle?.keyFingerprint, 'SHA256:abc');
  const { text, html } = await renderEmail(v);
  t.regex(
    text,
    /Findings since the previous run: 1 new failures, 0 resolved\.\n {2}new: {6}kube-bench 1\.2\.16/,
  );
  t.regex(
    text,
    /Trend over the last 4 runs \(since 2026-11-10T02:00:00\.000Z\):\n {2}.*: fail \d+ → \d+ → \d+ → \d+; pass/,
  );
  t.regex(text, /Evidence bundle: manifest\.json SHA-256 a{64}\n {2}signed with Ed25519 key SHA256:abc/);
  t.regex(html, /Trend over the last 4 runs/);
  t.regex(html, /signed with Ed25519 key <code>SHA256:abc<\/code>/);
  // a first run: no diff, a one-run history: none of these sections
  const first = buildEmailView(await seriesReport(0));
  t.is(first.failures, null);
  t.is(first.trend, null);
  t.is(first.bundle, null);
});
