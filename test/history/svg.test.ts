import test from 'ava';
import { escapeXml, summarize, trendCharts, trendSvg } from '../../src/history/index.ts';
import type { HistoryEntry } from '../../src/model/types.ts';
import { seriesReport } from '../support/history.ts';

const entry = (at: string, fail: number, pass: number, fw = 'pci-dss-4.0.1'): HistoryEntry => ({
  reportId: `kp-${at}`,
  generatedAt: at,
  frameworks: [
    {
      id: fw,
      counts: {
        fail,
        pass,
        waived: 0,
        incomplete: 1,
        manual: 0,
        attested: 0,
        'not-assessed': 5,
        'not-applicable': 0,
      },
    },
  ],
});

test('trendSvg draws one line per status over the runs, with first and last dates and the latest counts', (t) => {
  const svg = trendSvg(
    [
      entry('2026-11-01T00:00:00Z', 5, 1),
      entry('2026-11-02T00:00:00Z', 3, 3),
      entry('2026-11-03T00:00:00Z', 0, 6),
    ],
    {
      framework: 'pci-dss-4.0.1',
    },
  );
  t.true(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  t.true(svg.endsWith('</svg>'));
  t.is((svg.match(/<polyline /g) ?? []).length, 5);
  t.is((svg.match(/<circle /g) ?? []).length, 15);
  t.regex(svg, />2026-11-01</);
  t.regex(svg, />2026-11-03</);
  t.regex(svg, />fail 0</);
  t.regex(svg, />pass 6</);
  t.regex(svg, /<title>2026-11-02T00:00:00Z: fail 3<\/title>/);
  // y axis max is the largest drawn count
  t.regex(svg, />6<\/text>/);
  // deterministic
  t.is(
    svg,
    trendSvg(
      [
        entry('2026-11-01T00:00:00Z', 5, 1),
        entry('2026-11-02T00:00:00Z', 3, 3),
        entry('2026-11-03T00:00:00Z', 0, 6),
      ],
      { framework: 'pci-dss-4.0.1' },
    ),
  );
});

test('trendSvg escapes every piece of text from data and ignores non-finite counts', (t) => {
  const evil = '"><script>alert(1)</script>';
  const h: HistoryEntry[] = [
    { ...entry(`2026-11-01${evil}`, 2, 1, evil) },
    { ...entry('2026-11-02T00:00:00Z', Number.NaN, Number.POSITIVE_INFINITY, evil) },
  ];
  const svg = trendSvg(h, { framework: evil, title: `t ${evil}` });
  t.false(svg.includes('<script'));
  t.true(svg.includes(escapeXml(evil)));
  t.false(/NaN|Infinity/.test(svg));
  t.is(
    escapeXml(`<a href="x" title='y'>&</a>`),
    '&lt;a href=&quot;x&quot; title=&apos;y&apos;&gt;&amp;&lt;/a&gt;',
  );
});

test('trendSvg: no history for the framework, and a single run', (t) => {
  const none = trendSvg([entry('2026-11-01T00:00:00Z', 1, 1)], { framework: 'soc2-2017' });
  t.regex(none, /No run history for soc2-2017/);
  const one = trendSvg([entry('2026-11-01T00:00:00Z', 1, 1)], {
    framework: 'pci-dss-4.0.1',
    statuses: ['fail'],
    width: 10,
  });
  t.is((one.match(/<polyline /g) ?? []).length, 0);
  t.is((one.match(/<circle /g) ?? []).length, 1);
  t.regex(one, /viewBox="0 0 160 200"/);
});

test('trendSvg over generated reports', async (t) => {
  const h = await Promise.all([0, 1, 2, 3].map(async (i) => summarize(await seriesReport(i))));
  const svg = trendSvg(h, { framework: 'nist-800-53-r5', statuses: ['fail', 'pass'] });
  t.is((svg.match(/<polyline /g) ?? []).length, 2);
  t.regex(svg, /last 4 runs/);
});

test('trendCharts: one chart per framework of the report, none for a single run', async (t) => {
  const reports = await Promise.all([0, 1, 2].map((i) => seriesReport(i)));
  const model = { ...reports[2]!, history: reports.map(summarize) };
  const charts = trendCharts(model);
  t.deepEqual(
    charts.map((c) => c.framework),
    model.frameworks.map((f) => f.id),
  );
  t.regex(charts[0]!.svg, /last 3 runs/);
  t.deepEqual(trendCharts({ ...model, history: [summarize(reports[2]!)] }), []);
  t.deepEqual(trendCharts(reports[0]!), []);
});
