import test from 'ava';
import { buildEmailView, formatBytes } from '../../src/deliver/summary.ts';
import { renderEmail, renderLine } from '../../src/deliver/templates.ts';
import { scrubError, scrubText } from '../../src/deliver/scrub.ts';
import { parseSmtpUrl } from '../../src/deliver/email.ts';
import type { ReportModel } from '../../src/model/types.ts';
import { reportModel } from '../fixtures/deliver/model.ts';

test('view: counts per framework in a fixed status order, failing controls by severity, failed sources', (t) => {
  const v = buildEmailView(reportModel);
  t.is(v.failCount, 4);
  t.is(v.notAssessedCount, 64 + 255);
  t.is(v.manualCount, 200);
  t.deepEqual(v.statuses, [
    'fail',
    'incomplete',
    'waived',
    'pass',
    'attested',
    'manual',
    'not-assessed',
    'not-applicable',
  ]);
  t.deepEqual(
    v.frameworks[0]!.counts.map((c) => c.count),
    [2, 3, 0, 1, 0, 180, 64, 0],
  );
  t.deepEqual(
    v.topFailing.map((f) => `${f.severity} ${f.controlId} ${f.failingFindings}`),
    ['critical AC-6 2', 'critical 7.2.1 1', 'high 8.2.2 1', 'medium CM-7 1'],
  );
  t.deepEqual(v.sourceProblems, [{ source: 'audit-log', status: 'failed', message: 'audit.log: not found' }]);
  t.is(v.changes, null);
  // the fixture's audit-log run failed: the window bounded no evidence that was read
  t.is(
    v.period,
    'point in time (the window 2026-11-16T06:00:00Z to 2026-11-23T06:00:00Z applies to audit logs only; none were read)',
  );
  t.is(buildEmailView(reportModel, { maxFailing: 1 }).moreFailing, 3);
});

test('changes since the previous run, when the model carries a diff', async (t) => {
  const withDiff = Object.assign(structuredClone(reportModel), {
    diff: {
      previousGeneratedAt: '2026-11-22T06:00:00Z',
      controls: [
        { framework: 'pci-dss-4.0.1', controlId: '8.2.2', from: 'pass', to: 'fail' },
        { framework: 'nist-800-53-r5', controlId: 'AU-2', from: 'fail', to: 'pass' },
      ],
    },
  }) satisfies ReportModel;
  const v = buildEmailView(withDiff);
  t.deepEqual(v.changes, {
    since: '2026-11-22T06:00:00Z',
    items: [
      { framework: 'nist-800-53-r5', controlId: 'AU-2', from: 'fail', to: 'pass' },
      { framework: 'pci-dss-4.0.1', controlId: '8.2.2', from: 'pass', to: 'fail' },
    ],
    more: 0,
  });
  const { text } = await renderEmail(v);
  t.regex(text, /Changes since 2026-11-22T06:00:00Z:\n {2}nist-800-53-r5 AU-2: fail -> pass\n/);
  // an unexpected diff shape is ignored, not a crash
  t.is(
    buildEmailView(Object.assign(structuredClone(reportModel), { diff: { controls: 'x' } })).changes,
    null,
  );
});

test('HTML escapes cluster data; never says compliant; no failing controls reads plainly', async (t) => {
  const hostile = structuredClone(reportModel);
  hostile.cluster.name = '<img src=x onerror=alert(1)>';
  for (const fw of hostile.frameworks) {
    fw.controls = fw.controls.filter((c) => c.status !== 'fail');
    fw.summary.counts.fail = 0;
  }
  const v = buildEmailView(hostile, {
    location: 's3://b/k/',
    pdf: { filename: 'report.pdf', bytes: 5_000_000, attached: false },
    attachPdfMaxBytes: 1_000_000,
  });
  const { html, text } = await renderEmail(v);
  t.false(html.includes('<img'));
  t.true(html.includes('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;'));
  t.true(text.includes('<img src=x onerror=alert(1)>'), 'plain text is not HTML-escaped');
  t.regex(text, /No control has a failing automated check in this run\./);
  t.regex(text, /The PDF \(4\.8 MiB\) is larger than the 976\.6 KiB attachment limit/);
  t.notRegex(html + text, /compliant/i);
  t.regex(text, /These are counts, not a verdict/);
});

test('one-line templates: subject without HTML escaping, CR/LF removed', (t) => {
  t.is(
    renderLine('[kubeproof] {{cluster}}: {{failCount}}', { cluster: 'a&b\r\nBcc: x@y', failCount: 3 }),
    '[kubeproof] a&b Bcc: x@y: 3',
  );
  t.is(formatBytes(512), '512 B');
});

test('scrubbing removes a secret in every spelling, before capping', (t) => {
  const secret = 'p@ss:w/rd-123';
  const msg = `Invalid login for ${secret} (${encodeURIComponent(secret)}) ${Buffer.from(secret).toString('base64')}`;
  t.is(scrubText(msg, [secret]), 'Invalid login for [REDACTED] ([REDACTED]) [REDACTED]');
  const long = new Error(`${'x'.repeat(495)}${secret}`);
  t.false(scrubError(long, [secret]).includes('p@ss'));
  t.regex(scrubText('smtp://u:hunter22@h:25', []), /\[REDACTED\]/);
});

test('SMTP URL parsing: display target has no credentials and an explicit port', (t) => {
  const ep = parseSmtpUrl('smtps://mailer%40corp:s%3Acret@mail.example.com');
  t.deepEqual(ep, {
    host: 'mail.example.com',
    port: 465,
    implicitTls: true,
    user: 'mailer@corp',
    urlPassword: 's:cret',
    target: 'smtps://mail.example.com:465',
  });
  t.is(parseSmtpUrl('smtp://mail.example.com:2525').target, 'smtp://mail.example.com:2525');
});

test('view: an evidence window without audit logs read is not given as the evidence period', (t) => {
  const windowed: ReportModel = {
    ...reportModel,
    scope: { ...reportModel.scope, period: { from: '2026-11-01T00:00:00Z', to: '2026-11-20T00:00:00Z' } },
    runs: reportModel.runs.filter((r) => r.source !== 'audit-log'),
  };
  t.is(
    buildEmailView(windowed).period,
    'point in time (the window 2026-11-01T00:00:00Z to 2026-11-20T00:00:00Z applies to audit logs only; none were read)',
  );
  t.is(buildEmailView({ ...windowed, scope: { ...windowed.scope, period: {} } }).period, 'point in time');
  // no window, but audit logs read: their own span, as on the report's cover
  const audit = {
    ...reportModel.runs.find((r) => r.source === 'audit-log')!,
    status: 'ok' as const,
    stats: { firstTimestamp: '2026-11-21T00:00:00.000Z', lastTimestamp: '2026-11-22T21:40:40.000Z' },
  };
  const spanned: ReportModel = {
    ...windowed,
    scope: { ...windowed.scope, period: {} },
    runs: [...windowed.runs, audit],
  };
  t.is(
    buildEmailView(spanned).period,
    'audit events 2026-11-21T00:00:00.000Z to 2026-11-22T21:40:40.000Z (no window set); other sources point in time',
  );
});
