import test from 'ava';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildFleet, collectDir, fleetFrom, fleetHtml, fleetText } from '../../src/fleet/index.ts';
import type { ReportModel } from '../../src/model/types.ts';
import { kbFinding, miniReport } from '../support/model.ts';
import { reportArtifact, S3_ENV, uploadRun } from '../support/history.ts';
import { startS3 } from '../support/s3.ts';
import { runCli } from '../support/cli.ts';

const NOW = new Date('2026-11-23T12:00:00Z');

async function clusterReport(
  name: string,
  at: string,
  failing: string[],
  failedSource = false,
): Promise<ReportModel> {
  const r = await miniReport(
    ['1.2.1', '1.2.16', '1.2.17'].map((id) => kbFinding(id, failing.includes(id) ? 'fail' : 'pass', 'cp-1')),
    at,
  );
  const runs = failedSource
    ? [
        ...r.runs,
        {
          source: 'audit-log' as const,
          status: 'failed' as const,
          error: { code: 'input', message: 'audit.log: not found' },
          startedAt: at,
          durationMs: 1,
          findingCount: 0,
          inputs: [],
          notes: [],
        },
      ]
    : r.runs;
  return { ...r, cluster: { ...r.cluster, name }, runs };
}

async function fleetSet(base = NOW): Promise<ReportModel[]> {
  const day = (d: number): string => new Date(base.getTime() - d * 86_400_000).toISOString();
  return [
    await clusterReport('prod-eu', day(1), ['1.2.1', '1.2.17']),
    await clusterReport('prod-eu', day(8), ['1.2.1']), // older run of the same cluster: superseded
    await clusterReport('prod-us', day(2), ['1.2.17'], true),
    await clusterReport('staging', day(30), []),
  ];
}

test('buildFleet: newest report per cluster, counts, worst controls across clusters, failed sources, stale flags', async (t) => {
  const reports = await fleetSet();
  const f = buildFleet(
    reports.map((r, i) => ({ report: r, location: `/r/${i}/report.json` })),
    { now: NOW, staleDays: 7 },
  );
  t.deepEqual(
    f.clusters.map((c) => c.name),
    ['prod-eu', 'prod-us', 'staging'],
  );
  const eu = f.clusters[0]!;
  t.is(eu.reportId, reports[0]!.reportId);
  t.is(eu.superseded, 1);
  t.is(eu.ageDays, 1);
  t.false(eu.stale);
  t.true(f.clusters[2]!.stale);
  t.is(f.clusters[2]!.ageDays, 30);
  t.deepEqual(f.clusters[1]!.failedSources, [
    { source: 'audit-log', status: 'failed', message: 'audit.log: not found' },
  ]);
  const pci = f.frameworks.find((x) => x.id === 'pci-dss-4.0.1')!;
  t.is(pci.clusters, 3);
  t.is(
    pci.totals.fail,
    f.clusters.reduce((n, c) => n + c.frameworks.find((x) => x.id === 'pci-dss-4.0.1')!.counts.fail, 0),
  );
  // a control failing in two clusters ranks before one failing in one
  const top = f.worstControls[0]!;
  t.true(top.failingClusters.length >= f.worstControls.at(-1)!.failingClusters.length);
  t.true(f.worstControls.some((w) => w.failingClusters.join() === 'prod-eu,prod-us'));
  t.false(f.worstControls.some((w) => w.failingClusters.includes('staging')));
  const text = fleetText(f);
  t.regex(text, /prod-us .* 1 failed source/);
  t.regex(text, /Stale reports \(older than 7 days\):\n {2}staging:/);
  t.regex(text, /Controls failing in the most clusters:/);
  t.notRegex(text, /compliant|%/);
});

test('fleet.html escapes data and is self-contained', async (t) => {
  const evil = await clusterReport('<script>alert("x")</script>', '2026-11-22T00:00:00Z', ['1.2.1']);
  const f = buildFleet([{ report: evil, location: 's3://b/<img src=x onerror=y>' }], { now: NOW });
  const html = String((await fleetHtml(f)).body);
  t.false(html.includes('<script>alert'));
  t.true(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  t.false(html.includes('<img src=x'));
  t.false(/<(link|script)\b|src="http/.test(html), 'no external resources');
  t.regex(html, /Controls failing in the most clusters/);
});

test('fleet over several generated reports in folders (walked, history/ skipped, unreadable listed)', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-fleet-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const reports = await fleetSet();
  for (const [i, r] of reports.entries()) {
    const d = path.join(dir, r.cluster.name, `run-${i}`);
    await mkdir(path.join(d, 'history'), { recursive: true });
    await writeFile(path.join(d, 'report.json'), JSON.stringify(r));
    await writeFile(path.join(d, 'history', 'report.json'), '{"not": "a report"}');
  }
  await mkdir(path.join(dir, 'broken'));
  await writeFile(path.join(dir, 'broken', 'report.json'), '{"truncated": ');
  const c = await collectDir(dir);
  t.is(c.reports.length, 4);
  t.is(c.problems.length, 1);
  t.regex(c.problems[0]!.message, /not valid JSON/);
  const f = await fleetFrom({ from: [dir, path.join(dir, 'missing')], now: NOW });
  t.is(f.clusters.length, 3);
  t.deepEqual(
    f.problems.map((p) => path.relative(dir, p.from)),
    [path.join('broken', 'report.json'), 'missing'],
  );
  t.regex(f.problems[1]!.message, /cannot read \(ENOENT\)/);
});

test('fleet over reports delivered to S3 (s3rver), and the CLI writes fleet.json, fleet.html and a table', async (t) => {
  const s3 = await startS3(['reports']);
  t.teardown(() => s3.close());
  const now = new Date();
  const reports = await fleetSet(now);
  // delivered oldest first, as the runs happened: latest.json ends up at each cluster's newest run
  for (const r of [...reports].sort((a, b) => (a.generatedAt < b.generatedAt ? -1 : 1))) {
    await uploadRun(s3.endpoint, 's3://reports/kubeproof', r, [reportArtifact(r)]);
  }
  const f = await fleetFrom({
    from: ['s3://reports/kubeproof'],
    now,
    s3: { endpoint: s3.endpoint, pathStyle: true },
    env: S3_ENV,
  });
  t.deepEqual(f.problems, []);
  t.deepEqual(
    f.clusters.map((c) => c.name),
    ['prod-eu', 'prod-us', 'staging'],
  );
  t.is(f.clusters[0]!.reportId, reports[0]!.reportId);
  t.regex(
    f.clusters[0]!.location,
    /^s3:\/\/reports\/kubeproof\/prod-eu\/\d{4}\/\d{2}\/\d{2}\/kp-[^/]+\/report\.json$/,
  );
  // one cluster folder directly
  const one = await fleetFrom({
    from: ['s3://reports/kubeproof/staging'],
    now,
    s3: { endpoint: s3.endpoint, pathStyle: true },
    env: S3_ENV,
  });
  t.deepEqual(
    one.clusters.map((c) => c.name),
    ['staging'],
  );

  const out = await mkdtemp(path.join(os.tmpdir(), 'kp-fleet-out-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const r = await runCli(
    [
      'fleet',
      '--from',
      's3://reports/kubeproof',
      '--s3-endpoint',
      s3.endpoint,
      '--s3-path-style',
      '--out',
      out,
      '--stale-days',
      '7',
    ],
    { env: { ...S3_ENV } },
  );
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /kubeproof fleet · 3 clusters/);
  t.regex(r.stdout, /staging .*STALE/);
  const json = JSON.parse(await readFile(path.join(out, 'fleet.json'), 'utf8')) as {
    clusters: unknown[];
    staleDays: number;
  };
  t.is(json.clusters.length, 3);
  t.is(json.staleDays, 7);
  t.regex(await readFile(path.join(out, 'fleet.html'), 'utf8'), /<h3>prod-us/);
  const none = await runCli(['fleet', '--from', path.join(out, 'nothing'), '--out', out]);
  t.is(none.code, 2);
  t.regex(none.stderr, /no report found/);
});
