import test from 'ava';
import { renderHtmlString } from '../../src/render/html.ts';
import { renderAll } from '../../src/render/index.ts';
import type { ReportModel, RunRecord } from '../../src/model/types.ts';
import { makeModel } from '../fixtures/render/model.ts';

const now = (): Date => new Date('2026-11-23T10:00:00Z');
const base = makeModel({ findings: 20 });
const text = (m: ReportModel): string =>
  renderHtmlString(m, { now })
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
const run = (source: RunRecord['source']): RunRecord => ({
  source,
  status: 'ok',
  startedAt: '2026-11-20T09:00:00Z',
  durationMs: 1,
  findingCount: 0,
  inputs: [],
  notes: [],
});

test('an evidence window without audit logs is not presented as the period of point-in-time evidence', (t) => {
  const m: ReportModel = {
    ...base,
    scope: { ...base.scope, period: { from: '2026-11-01T00:00:00Z', to: '2026-11-20T00:00:00Z' } },
    runs: [run('kube-bench')],
  };
  const s = text(m);
  t.regex(
    s,
    /point-in-time collection at 2026-11-20 09:30 UTC; the evidence window 2026-11-01 00:00 UTC to 2026-11-20 00:00 UTC applies to audit logs only, and none were read/,
  );
});

test('with audit logs read, the window is theirs and the other sources stay point-in-time', (t) => {
  const m: ReportModel = {
    ...base,
    scope: { ...base.scope, period: { from: '2026-11-01T00:00:00Z' } },
    runs: [run('kube-bench'), run('audit-log')],
  };
  t.regex(
    text(m),
    /audit logs from 2026-11-01 00:00 UTC to the time of collection; other sources point-in-time collection at/,
  );
});

test('without a window, the audit events read give their own span; without audit logs, point-in-time only', (t) => {
  const audit: RunRecord = {
    ...run('audit-log'),
    stats: { firstTimestamp: '2026-11-21T00:00:00.000Z', lastTimestamp: '2026-11-22T21:40:40.000Z' },
  };
  const withAudit: ReportModel = {
    ...base,
    scope: { ...base.scope, period: {} },
    runs: [run('kube-bench'), audit],
  };
  t.regex(
    text(withAudit),
    /audit events 2026-11-21 00:00 UTC to 2026-11-22 21:40 UTC \(no evidence window set\); other sources point-in-time collection at/,
  );
  const without: ReportModel = { ...base, scope: { ...base.scope, period: {} }, runs: [run('kube-bench')] };
  t.regex(text(without), /point-in-time collection at 2026-11-20 09:30 UTC \(no evidence window set\)/);
});

test('every failing severity is written out under its bar, including slivers too narrow for a label', (t) => {
  const fw = base.frameworks[0]!;
  const m: ReportModel = {
    ...base,
    frameworks: [
      {
        ...fw,
        summary: {
          ...fw.summary,
          counts: { ...fw.summary.counts, fail: 40 },
          failingBySeverity: { critical: 20, high: 1, medium: 18, low: 1, info: 0, unknown: 0 },
        },
      },
    ],
  };
  const html = renderHtmlString(m, { now });
  for (const [sev, n] of [
    ['critical', 20],
    ['high', 1],
    ['medium', 18],
    ['low', 1],
  ] as const) {
    t.true(
      html.includes(`<span class="sw sev-${sev}" aria-hidden="true"></span>${n} ${sev}</span>`),
      `${n} ${sev} in the legend`,
    );
  }
});

test("sources state a version: kubeproof's for its own analyses, the benchmark for kube-bench", (t) => {
  const m: ReportModel = { ...base, runs: [run('kube-bench'), run('rbac')] };
  const s = text(m);
  const variants = [
    ...new Set(
      base.findings.filter((f) => f.source === 'kube-bench' && f.ruleVariant).map((f) => f.ruleVariant),
    ),
  ].sort();
  t.true(variants.length > 0);
  t.true(s.includes(`not recorded (benchmark ${variants.join(', ')})`), s.slice(0, 300));
  t.true(
    renderHtmlString(m, { now }).includes(
      `<th scope="row">kubeproof RBAC analysis</th><td>kubeproof ${base.tool.version}</td>`,
    ),
  );
});

test('OSCAL: the result spans the collection; a --since/--until window without audit logs does not date it', async (t) => {
  const windowed: ReportModel = {
    ...base,
    scope: { ...base.scope, period: { from: '2026-11-01T00:00:00Z', to: '2026-11-05T00:00:00Z' } },
    runs: [run('kube-bench')],
  };
  const result = async (m: ReportModel): Promise<{ start: string; end: string }> => {
    const [a] = await renderAll(m, ['oscal'], { now });
    return (
      JSON.parse(String(a?.body)) as { 'assessment-results': { results: { start: string; end: string }[] } }
    )['assessment-results'].results[0]!;
  };
  const span = async (m: ReportModel): Promise<{ start: string; end: string }> => {
    const r = await result(m);
    return { start: r.start, end: r.end };
  };
  t.deepEqual(await span(windowed), { start: '2026-11-20T09:00:00Z', end: base.generatedAt });
  const withAudit = { ...windowed, runs: [run('kube-bench'), run('audit-log')] };
  t.deepEqual(await span(withAudit), { start: '2026-11-01T00:00:00Z', end: base.generatedAt });
});

test('Appendix C lists every waiver and attestation read, unused and expired ones included, with the days left', (t) => {
  const m: ReportModel = {
    ...base,
    generatedAt: '2026-11-20T09:30:00Z',
    governance: [
      {
        kind: 'waiver',
        id: 'W-ACTIVE',
        target: 'kube-bench:1.2.1',
        owner: 'ops',
        expires: '2027-06-01',
        file: 'w.yaml',
        state: 'active',
        uses: 2,
      },
      {
        kind: 'waiver',
        id: 'W-UNUSED',
        target: 'kube-bench:9.9.9',
        owner: 'ops',
        expires: '2026-12-01',
        file: 'w.yaml',
        state: 'unused',
        uses: 0,
      },
      {
        kind: 'waiver',
        id: 'W-OLD',
        target: 'pci-dss-4.0.1/2.2.1',
        owner: 'sec',
        expires: '2026-11-01',
        file: 'w.yaml',
        state: 'expired',
        uses: 0,
      },
      {
        kind: 'attestation',
        id: 'iso27001-2022/A.5.1@2026-09-12',
        target: 'iso27001-2022/A.5.1',
        owner: 'Jane Doe (CISO)',
        expires: '2027-09-12',
        file: 'a.yaml',
        state: 'active',
        uses: 1,
      },
    ],
  };
  const s = text(m);
  t.regex(s, /Every waiver and attestation read, with its state/);
  t.regex(s, /waiver W-UNUSED kube-bench:9\.9\.9 ops 2026-12-01 \(in 11 days\) unused 0 w\.yaml/);
  t.regex(s, /waiver W-OLD pci-dss-4\.0\.1\/2\.2\.1 sec 2026-11-01 \(expired 19 days ago\) expired 0/);
  t.regex(s, /attestation iso27001-2022\/A\.5\.1@2026-09-12 .* Jane Doe \(CISO\)/);
});
