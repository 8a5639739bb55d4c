import test, { type ExecutionContext } from 'ava';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  attachHistory,
  nextHistory,
  readLocalHistory,
  recordHistory,
  runDiff,
  summarize,
} from '../../src/history/index.ts';
import { reportModelSchema } from '../../src/model/schema.ts';
import type { ReportModel } from '../../src/model/types.ts';
import { buildEmailView } from '../../src/deliver/summary.ts';
import { memoryLogger } from '../../src/util/log.ts';
import { reportArtifact, S3_ENV, seriesReport, uploadRun } from '../support/history.ts';
import { startS3 } from '../support/s3.ts';

async function tmp(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-history-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('runDiff carries the diff and the keys the email summary reads', async (t) => {
  const [a, b] = [await seriesReport(1), await seriesReport(3)];
  const d = runDiff(a, b, '/x/report.json');
  t.is(d.previousReportId, a.reportId);
  t.is(d.previousGeneratedAt, a.generatedAt);
  t.deepEqual(
    d.newFailures.map((f) => f.ruleId),
    ['1.2.16'],
  );
  t.deepEqual(
    d.resolvedFailures.map((f) => f.ruleId),
    ['1.2.1'],
  );
  t.true(d.controls.length > 0);
  // the email reads exactly these fields
  const view = buildEmailView({ ...b, diff: d });
  t.is(view.changes?.since, a.generatedAt);
  t.is(view.changes?.items.length, d.controls.length);
  // and the model with diff + history still satisfies the report schema
  t.true(reportModelSchema.safeParse({ ...b, diff: d, history: [summarize(a), summarize(b)] }).success);
});

test('nextHistory: sorted by time, deduplicated, same cluster only, current last, at most N', async (t) => {
  const reports = await Promise.all([0, 1, 2, 3, 4].map((i) => seriesReport(i)));
  const other = summarize(await seriesReport(2, 'other-cluster'));
  const cur = reports[4]!;
  const known = [
    summarize(reports[2]!),
    summarize(reports[0]!),
    summarize(reports[1]!),
    summarize(reports[2]!),
    other,
    summarize(reports[3]!),
  ];
  const h = nextHistory(cur, known, 3)!;
  t.deepEqual(
    h.map((e) => e.reportId),
    [reports[2]!.reportId, reports[3]!.reportId, cur.reportId],
  );
  t.deepEqual(
    nextHistory(cur, known, 10)!.map((e) => e.reportId),
    reports.map((r) => r.reportId),
  );
  t.is(nextHistory(cur, known, 0), undefined);
  // a run "from the future" (clock skew, another report) is never part of this run's past
  t.deepEqual(
    nextHistory(reports[1]!, known, 10)!.map((e) => e.reportId),
    [reports[0]!.reportId, reports[1]!.reportId],
  );
});

test('trend over several runs: each run inherits the previous report history (file chain)', async (t) => {
  const dir = await tmp(t);
  let prevFile: string | undefined;
  let last: ReportModel | undefined;
  for (let i = 0; i < 6; i++) {
    const model = await seriesReport(i);
    const out = await attachHistory(model, {
      previous: prevFile ?? 'none',
      keep: 4,
      out: path.join(dir, 'nowhere'),
      log: memoryLogger(),
    });
    t.deepEqual(out.problems, []);
    prevFile = path.join(dir, `r${i}.json`);
    await writeFile(prevFile, JSON.stringify(out.model));
    last = out.model;
  }
  t.is(last!.history!.length, 4);
  t.deepEqual(
    last!.history!.map((h) => h.generatedAt.slice(0, 10)),
    ['2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15'],
  );
  const fails = last!.history!.map((h) => h.frameworks.find((f) => f.id === 'nist-800-53-r5')!.counts.fail);
  const first = (await seriesReport(2)).frameworks.find((f) => f.id === 'nist-800-53-r5')!.summary.counts
    .fail;
  t.is(fails[0], first);
  t.is(last!.diff!.previousReportId, (await seriesReport(4)).reportId);
});

test('--previous auto reads <out>/report.json of the same cluster, and the local history summaries', async (t) => {
  const out = await tmp(t);
  const log = memoryLogger();
  const r0 = await seriesReport(0);
  const r1 = await seriesReport(1);
  const r2 = await seriesReport(2);
  // first run: nothing to compare with
  const first = await attachHistory(r0, { previous: 'auto', keep: 10, out, log });
  t.is(first.model.diff, undefined);
  t.deepEqual(
    first.model.history!.map((h) => h.reportId),
    [r0.reportId],
  );
  t.true(log.lines.some((l) => l.includes('no previous report')));
  await recordHistory(out, first.model);
  await writeFile(path.join(out, 'report.json'), JSON.stringify(first.model));
  const second = await attachHistory(r1, { previous: 'auto', keep: 10, out, log });
  t.is(second.model.diff!.previousReportId, r0.reportId);
  t.is(second.model.diff!.previousLocation, path.join(out, 'report.json'));
  await recordHistory(out, second.model);
  t.deepEqual(
    (await readdir(path.join(out, 'history'))).sort(),
    [`${r0.reportId}.json`, `${r1.reportId}.json`].sort(),
  );
  // report.json lost (e.g. --format html only); the summaries still give the trend, but there is no diff
  await rm(path.join(out, 'report.json'));
  const third = await attachHistory(r2, { previous: 'auto', keep: 10, out, log });
  t.is(third.model.diff, undefined);
  t.deepEqual(
    third.model.history!.map((h) => h.reportId),
    [r0.reportId, r1.reportId, r2.reportId],
  );
  t.is((await readLocalHistory(out, log)).length, 2);
});

test('--previous auto ignores a report of another cluster in the output directory', async (t) => {
  const out = await tmp(t);
  await writeFile(path.join(out, 'report.json'), JSON.stringify(await seriesReport(0, 'other-cluster')));
  const log = memoryLogger();
  const r = await attachHistory(await seriesReport(1), { previous: 'auto', keep: 5, out, log });
  t.is(r.model.diff, undefined);
  t.deepEqual(r.problems, []);
  t.true(log.lines.some((l) => l.includes('another cluster')));
});

test('--previous DIR and FILE; an explicit previous that is missing or invalid is an error, not a crash', async (t) => {
  const dir = await tmp(t);
  const r0 = await seriesReport(0);
  await mkdir(path.join(dir, 'run0'));
  await writeFile(path.join(dir, 'run0', 'report.json'), JSON.stringify(r0));
  const log = memoryLogger();
  const viaDir = await attachHistory(await seriesReport(1), {
    previous: path.join(dir, 'run0'),
    keep: 5,
    out: dir,
    log,
  });
  t.is(viaDir.model.diff?.previousReportId, r0.reportId);
  const missing = await attachHistory(await seriesReport(1), {
    previous: path.join(dir, 'nope.json'),
    keep: 5,
    out: dir,
    log,
  });
  t.is(missing.model.diff, undefined);
  t.is(missing.problems[0]?.severity, 'error');
  t.regex(missing.problems[0]!.message, /no report found/);
  await writeFile(path.join(dir, 'bad.json'), '{"schemaVersion": "1.0.0"}');
  const bad = await attachHistory(await seriesReport(1), {
    previous: path.join(dir, 'bad.json'),
    keep: 5,
    out: dir,
    log,
  });
  t.is(bad.problems[0]?.severity, 'error');
  t.regex(bad.problems[0]!.message, /not a kubeproof report/);
  // a previous that is newer than this run is not a previous run
  const newer = await attachHistory(r0, { previous: path.join(dir, 'run0'), keep: 5, out: dir, log });
  t.is(newer.model.diff, undefined);
  t.regex(newer.problems[0]!.message, /not older/);
});

test('--previous auto and s3:// read latest.json under the S3 prefix (s3rver)', async (t) => {
  const s3 = await startS3(['reports']);
  t.teardown(() => s3.close());
  const url = 's3://reports/kubeproof';
  const r0 = await seriesReport(0);
  const r1 = await seriesReport(1);
  const first = await attachHistory(r0, {
    previous: 'none',
    keep: 5,
    out: path.join(os.tmpdir(), 'kp-none'),
    log: memoryLogger(),
  });
  await uploadRun(s3.endpoint, url, first.model, [
    reportArtifact(first.model),
    { filename: 'report.html', mediaType: 'text/html', body: '<p>x</p>' },
  ]);
  const access = { endpoint: s3.endpoint, pathStyle: true };
  const out = await tmp(t);
  const auto = await attachHistory(r1, {
    previous: 'auto',
    keep: 5,
    out,
    s3Url: url,
    s3: access,
    env: S3_ENV,
    log: memoryLogger(),
  });
  t.deepEqual(auto.problems, []);
  t.is(auto.model.diff?.previousReportId, r0.reportId);
  t.regex(
    auto.model.diff!.previousLocation,
    /^s3:\/\/reports\/kubeproof\/test-cluster\/2026\/11\/10\/kp-[^/]+\/report\.json$/,
  );
  t.deepEqual(
    auto.model.history!.map((h) => h.reportId),
    [r0.reportId, r1.reportId],
  );
  // explicit forms: the cluster folder, the run folder, the report key itself
  const runFolder = auto.model.diff!.previousLocation.replace(/report\.json$/, '');
  for (const spec of [
    `${url}/test-cluster`,
    runFolder,
    auto.model.diff!.previousLocation,
    `${url}/test-cluster/latest.json`,
  ]) {
    const r = await attachHistory(r1, {
      previous: spec,
      keep: 5,
      out,
      s3: access,
      env: S3_ENV,
      log: memoryLogger(),
    });
    t.is(r.model.diff?.previousReportId, r0.reportId, spec);
  }
  const none = await attachHistory(r1, {
    previous: `${url}/no-such-cluster`,
    keep: 5,
    out,
    s3: access,
    env: S3_ENV,
    log: memoryLogger(),
  });
  t.is(none.problems[0]?.severity, 'error');
  // another cluster's auto lookup finds nothing and falls back to the (empty) output directory
  const other = await attachHistory(await seriesReport(1, 'other-cluster'), {
    previous: 'auto',
    keep: 5,
    out,
    s3Url: url,
    s3: access,
    env: S3_ENV,
    log: memoryLogger(),
  });
  t.is(other.model.diff, undefined);
  t.deepEqual(other.problems, []);
});

test('auto: an unreachable S3 endpoint falls back to the local output directory with a warning', async (t) => {
  const out = await tmp(t);
  const r0 = await seriesReport(0);
  await writeFile(path.join(out, 'report.json'), JSON.stringify(r0));
  const log = memoryLogger();
  const r = await attachHistory(await seriesReport(1), {
    previous: 'auto',
    keep: 5,
    out,
    s3Url: 's3://reports/kubeproof',
    s3: { endpoint: 'http://127.0.0.1:9', pathStyle: true },
    env: S3_ENV,
    log,
  });
  t.is(r.model.diff?.previousReportId, r0.reportId);
  t.true(log.lines.some((l) => l.includes('cannot read the previous run from S3')));
});
