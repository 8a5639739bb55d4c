/**
 * Email delivery against a real SMTP peer (smtp-server, STARTTLS on a certificate generated with openssl,
 * AUTH), every received message parsed back with mailparser.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { deliverAll } from '../../src/deliver/index.ts';
import { parseDeliverConfig } from '../../src/deliver/config.ts';
import type { Artifact } from '../../src/model/types.ts';
import { memoryLogger } from '../../src/util/log.ts';
import { generateCert, type TestCert } from '../support/certs.ts';
import { closedPort, startSmtp, type TestSmtp } from '../support/smtp.ts';
import { reportModel } from '../fixtures/deliver/model.ts';

const USER = 'reporter';
const PASSWORD = 'Corr3ct-H0rse:b@ttery/staple';
const WRONG = 'Wr0ng-p@ss:word/9';

function pdfOf(bytes: number): Artifact {
  const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(bytes - 9)]);
  return { filename: 'report.pdf', mediaType: 'application/pdf', body };
}

const json: Artifact = {
  filename: 'report.json',
  mediaType: 'application/json',
  body: '{"schemaVersion":"1.0.0"}',
};

async function peer(t: ExecutionContext, failFirst = 0): Promise<{ cert: TestCert; smtp: TestSmtp }> {
  const cert = generateCert();
  t.teardown(cert.cleanup);
  const smtp = await startSmtp({ key: cert.key, cert: cert.cert, users: { [USER]: PASSWORD }, failFirst });
  t.teardown(smtp.close);
  return { cert, smtp };
}

function run(config: unknown, artifacts: Artifact[], env: Record<string, string> = {}) {
  const logger = memoryLogger();
  const sleeps: number[] = [];
  const cfg = parseDeliverConfig(config);
  const done = deliverAll(artifacts, reportModel, cfg, {
    logger,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    env,
  });
  return done.then((receipts) => ({ receipts, logger, sleeps }));
}

const retry = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

test('STARTTLS + AUTH: summary delivered, PDF attached byte-identical, password from env', async (t) => {
  const { cert, smtp } = await peer(t);
  const pdf = pdfOf(300_000);
  const { receipts, logger, sleeps } = await run(
    {
      email: {
        smtpUrl: `smtp://${USER}@127.0.0.1:${smtp.port}`,
        from: 'kubeproof@example.com',
        to: ['audit@example.com', 'sec@example.com'],
        cc: ['cc@example.com'],
        tls: { caFile: cert.certFile },
      },
      retry,
    },
    [json, pdf],
    { KUBEPROOF_SMTP_PASSWORD: PASSWORD },
  );
  t.is(receipts.length, 1);
  const r = receipts[0]!;
  t.true(r.ok, r.error);
  t.is(r.kind, 'email');
  t.is(r.target, `smtp://127.0.0.1:${smtp.port}`);
  t.deepEqual(r.artifacts, ['report.pdf']);
  t.deepEqual(sleeps, []);
  t.is(smtp.messages.length, 1);
  const m = smtp.messages[0]!;
  t.true(m.secure, 'message sent over STARTTLS');
  t.is(m.user, USER);
  t.deepEqual(m.envelopeTo.sort(), ['audit@example.com', 'cc@example.com', 'sec@example.com']);
  t.is(m.parsed.subject, '[kubeproof] prod-eu-1: 4 failing controls — 2026-11-23');
  t.is(m.parsed.headers.get('x-kubeproof-report-id'), reportModel.reportId);
  t.is(m.parsed.attachments.length, 1);
  const att = m.parsed.attachments[0]!;
  t.is(att.filename, 'report.pdf');
  t.is(att.contentType, 'application/pdf');
  t.true(Buffer.compare(att.content, Buffer.from(pdf.body)) === 0, 'attachment byte-identical');
  const text = m.parsed.text ?? '';
  const html = typeof m.parsed.html === 'string' ? m.parsed.html : '';
  // counts per framework, top failing controls by severity, failed source, period
  t.regex(text, /PCI DSS 4\.0\.1: 250 controls, 6 touched by automated evidence/);
  t.regex(
    text,
    /fail 2, incomplete 3, waived 0, pass 1, attested 0, manual 180, not-assessed 64, not-applicable 0\n/,
  );
  t.regex(
    text,
    /Period: point in time \(the window 2026-11-16T06:00:00Z to 2026-11-23T06:00:00Z applies to audit logs only; none were read\)/,
  );
  const lines = text.split('\n').filter((l) => /^\s+\[(critical|high|medium)\]/.test(l));
  t.deepEqual(
    lines.map((l) => l.trim().split(' (')[0]),
    [
      '[critical] NIST SP 800-53 AC-6 Least Privilege',
      '[critical] PCI DSS 7.2.1 Access is defined by role & least privilege',
      '[high] PCI DSS 8.2.2 Shared or anonymous accounts are not used',
      '[medium] NIST SP 800-53 CM-7 Least Functionality',
    ],
  );
  t.regex(text, /audit-log: failed \(audit\.log: not found\)/);
  t.regex(text, /The PDF report \(report\.pdf, 293\.0 KiB\) is attached/);
  t.notRegex(text + html, /compliant/i);
  // HTML escapes cluster data; text keeps it readable
  t.true(html.includes('Access is defined by role &amp; least privilege'));
  t.false(html.includes('role & least'));
  for (const line of logger.lines) t.false(line.includes(PASSWORD));
});

test('AUTH failure (535): ok:false, not retried, password absent from receipt and every log line', async (t) => {
  const { cert, smtp } = await peer(t);
  const { receipts, logger, sleeps } = await run(
    {
      email: {
        smtpUrl: `smtp://${USER}:${encodeURIComponent(WRONG)}@127.0.0.1:${smtp.port}`,
        from: 'kubeproof@example.com',
        to: ['audit@example.com'],
        tls: { caFile: cert.certFile },
      },
      retry,
    },
    [json],
  );
  const r = receipts[0]!;
  t.false(r.ok);
  t.is(r.target, `smtp://127.0.0.1:${smtp.port}`);
  t.regex(r.error ?? '', /authentication failed.*535/);
  t.deepEqual(sleeps, [], 'a permanent failure is not retried');
  t.deepEqual(smtp.authAttempts, [{ user: USER, ok: false }]);
  t.is(smtp.messages.length, 0);
  const spellings = [WRONG, encodeURIComponent(WRONG), Buffer.from(WRONG).toString('base64')];
  const everything = [JSON.stringify(receipts), ...logger.lines].join('\n');
  for (const s of spellings) t.false(everything.includes(s), `leaked ${s}`);
  t.true(logger.lines.some((l) => l.includes('email delivery failed')));
});

test('password file wins over env and URL', async (t) => {
  const { cert, smtp } = await peer(t);
  const { writeFileSync } = await import('node:fs');
  const pwFile = `${cert.dir}/smtp-password`;
  writeFileSync(pwFile, `${PASSWORD}\n`);
  const { receipts } = await run(
    {
      email: {
        smtpUrl: `smtp://${USER}:${encodeURIComponent(WRONG)}@127.0.0.1:${smtp.port}`,
        passwordFile: pwFile,
        from: 'kubeproof@example.com',
        to: ['audit@example.com'],
        tls: { caFile: cert.certFile },
      },
      retry,
    },
    [json],
    { KUBEPROOF_SMTP_PASSWORD: WRONG },
  );
  t.true(receipts[0]!.ok, receipts[0]!.error);
  t.deepEqual(smtp.authAttempts, [{ user: USER, ok: true }]);
});

test('server down: connection refused is retried with backoff, then ok:false', async (t) => {
  const port = await closedPort();
  const { receipts, sleeps, logger } = await run(
    {
      email: {
        smtpUrl: `smtp://${USER}:${encodeURIComponent(WRONG)}@127.0.0.1:${port}`,
        from: 'kubeproof@example.com',
        to: ['audit@example.com'],
      },
      retry,
    },
    [json],
  );
  const r = receipts[0]!;
  t.false(r.ok);
  t.regex(r.error ?? '', /connection refused.*after 3 attempts/);
  // equal jitter with random 0.5: 3/4 of 100·2^(n-1)
  t.deepEqual(sleeps, [75, 150]);
  t.is(logger.lines.filter((l) => l.includes('retrying')).length, 2);
  t.false([JSON.stringify(receipts), ...logger.lines].join('\n').includes(WRONG));
});

test('SMTP 451 (transient) on DATA: retried and delivered on the second attempt', async (t) => {
  const { cert, smtp } = await peer(t, 1);
  const { receipts, sleeps } = await run(
    {
      email: {
        smtpUrl: `smtp://${USER}@127.0.0.1:${smtp.port}`,
        from: 'kubeproof@example.com',
        to: ['audit@example.com'],
        tls: { caFile: cert.certFile },
      },
      retry,
    },
    [json],
    { KUBEPROOF_SMTP_PASSWORD: PASSWORD },
  );
  t.true(receipts[0]!.ok, receipts[0]!.error);
  t.deepEqual(sleeps, [75]);
  t.is(smtp.messages.length, 1);
});

test('PDF larger than attachPdfMaxBytes: not attached, note and link instead', async (t) => {
  const { cert, smtp } = await peer(t);
  const { receipts } = await run(
    {
      email: {
        smtpUrl: `smtp://${USER}@127.0.0.1:${smtp.port}`,
        from: 'kubeproof@example.com',
        to: ['audit@example.com'],
        tls: { caFile: cert.certFile },
        attachPdfMaxBytes: 10_000,
        reportUrl: 'https://reports.example.com/{{cluster}}/{{runId}}/',
      },
      retry,
    },
    [json, pdfOf(20_000)],
    { KUBEPROOF_SMTP_PASSWORD: PASSWORD },
  );
  const r = receipts[0]!;
  t.true(r.ok, r.error);
  t.deepEqual(r.artifacts, []);
  const m = smtp.messages[0]!;
  t.is(m.parsed.attachments.length, 0);
  const text = m.parsed.text ?? '';
  t.regex(
    text,
    /The PDF \(19\.5 KiB\) is larger than the 9\.8 KiB attachment limit, so it is not attached\./,
  );
  t.true(text.includes(`https://reports.example.com/prod-eu-1/${reportModel.reportId}/`));
  const html = typeof m.parsed.html === 'string' ? m.parsed.html : '';
  t.true(html.includes(`<a href="https://reports.example.com/prod-eu-1/${reportModel.reportId}/">`));
});

test('untrusted certificate: ok:false with a caFile hint, not retried', async (t) => {
  const { smtp } = await peer(t);
  const { receipts, sleeps } = await run(
    {
      email: {
        smtpUrl: `smtp://${USER}@127.0.0.1:${smtp.port}`,
        from: 'kubeproof@example.com',
        to: ['audit@example.com'],
      },
      retry,
    },
    [json],
    { KUBEPROOF_SMTP_PASSWORD: PASSWORD },
  );
  const r = receipts[0]!;
  t.false(r.ok);
  t.regex(r.error ?? '', /TLS certificate not trusted.*tls\.caFile/);
  t.deepEqual(sleeps, []);
  t.deepEqual(smtp.authAttempts, [], 'no credentials sent to an unverified server');
});

test('implicit TLS (smtps://): delivered encrypted', async (t) => {
  const cert = generateCert();
  t.teardown(cert.cleanup);
  const smtp = await startSmtp({
    key: cert.key,
    cert: cert.cert,
    users: { [USER]: PASSWORD },
    implicitTls: true,
  });
  t.teardown(smtp.close);
  const { receipts } = await run(
    {
      email: {
        smtpUrl: `smtps://${USER}@127.0.0.1:${smtp.port}`,
        from: 'kubeproof@example.com',
        to: ['audit@example.com'],
        tls: { caFile: cert.certFile },
      },
      retry,
    },
    [json],
    { KUBEPROOF_SMTP_PASSWORD: PASSWORD },
  );
  t.true(receipts[0]!.ok, receipts[0]!.error);
  t.is(receipts[0]!.target, `smtps://127.0.0.1:${smtp.port}`);
  t.true(smtp.messages[0]!.secure);
});

test('starttls-required against a server without STARTTLS: refused before AUTH, nothing sent', async (t) => {
  const cert = generateCert();
  t.teardown(cert.cleanup);
  const smtp = await startSmtp({
    key: cert.key,
    cert: cert.cert,
    users: { [USER]: PASSWORD },
    noStartTls: true,
  });
  t.teardown(smtp.close);
  const { receipts, logger } = await run(
    {
      email: {
        smtpUrl: `smtp://${USER}@127.0.0.1:${smtp.port}`,
        from: 'kubeproof@example.com',
        to: ['audit@example.com'],
        tls: { caFile: cert.certFile },
      },
      retry,
    },
    [json],
    { KUBEPROOF_SMTP_PASSWORD: PASSWORD },
  );
  t.false(receipts[0]!.ok);
  t.regex(receipts[0]!.error ?? '', /STARTTLS/);
  t.deepEqual(smtp.authAttempts, [], 'the password never crossed in clear');
  t.is(smtp.messages.length, 0);
  t.false(logger.lines.join('\n').includes(PASSWORD));
});

test('starttls-opportunistic against a server without STARTTLS: sent in clear (trusted relay)', async (t) => {
  const cert = generateCert();
  t.teardown(cert.cleanup);
  const smtp = await startSmtp({ key: cert.key, cert: cert.cert, users: {}, noStartTls: true });
  t.teardown(smtp.close);
  const { receipts } = await run(
    {
      email: {
        smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
        from: 'kubeproof@example.com',
        to: ['audit@example.com'],
        tls: { mode: 'starttls-opportunistic' },
      },
      retry,
    },
    [json],
  );
  t.true(receipts[0]!.ok, receipts[0]!.error);
  t.false(smtp.messages[0]!.secure);
});
