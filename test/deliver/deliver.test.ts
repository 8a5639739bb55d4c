/**
 * deliverAll end to end: targets are independent (one failing never stops the other), S3 goes first so
 * the email points at it, nothing throws, and the local copy written first is never touched.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deliverAll, hasRemoteTargets, toDeliveries, writeLocal } from '../../src/deliver/index.ts';
import { parseDeliverConfig } from '../../src/deliver/config.ts';
import type { Artifact } from '../../src/model/types.ts';
import { memoryLogger } from '../../src/util/log.ts';
import { generateCert } from '../support/certs.ts';
import { S3RVER_CREDENTIALS, startS3 } from '../support/s3.ts';
import { closedPort, startSmtp } from '../support/smtp.ts';
import { reportModel } from '../fixtures/deliver/model.ts';

Object.assign(process.env, S3RVER_CREDENTIALS);
const env = { ...S3RVER_CREDENTIALS, AWS_REGION: 'us-east-1', KUBEPROOF_SMTP_PASSWORD: 'pw-Kx81-secret' };
const retry = { attempts: 2, baseDelayMs: 10, maxDelayMs: 100 };
const artifacts: Artifact[] = [
  { filename: 'report.json', mediaType: 'application/json', body: '{"schemaVersion":"1.0.0"}\n' },
  { filename: 'report.pdf', mediaType: 'application/pdf', body: Buffer.from('%PDF-1.7\n%%EOF\n') },
];

const deps = () => ({ logger: memoryLogger(), sleep: () => Promise.resolve(), random: () => 0, env });

function emailCfg(port: number, caFile?: string) {
  return {
    smtpUrl: `smtp://reporter@127.0.0.1:${port}`,
    from: 'kubeproof@example.com',
    to: ['audit@example.com'],
    tls: caFile ? { caFile } : {},
  };
}

const s3Cfg = (endpoint: string) => ({
  url: 's3://reports/kp',
  endpoint,
  pathStyle: true,
  checksums: 'when-required',
});

async function smtpPeer(t: ExecutionContext) {
  const cert = generateCert();
  t.teardown(cert.cleanup);
  const smtp = await startSmtp({
    key: cert.key,
    cert: cert.cert,
    users: { reporter: env.KUBEPROOF_SMTP_PASSWORD },
  });
  t.teardown(smtp.close);
  return { cert, smtp };
}

test('S3 first, then email pointing at the S3 run folder', async (t) => {
  const { cert, smtp } = await smtpPeer(t);
  const s3 = await startS3(['reports']);
  t.teardown(s3.close);
  const config = parseDeliverConfig({
    email: emailCfg(smtp.port, cert.certFile),
    s3: s3Cfg(s3.endpoint),
    retry,
  });
  t.true(hasRemoteTargets(config));
  const receipts = await deliverAll(artifacts, reportModel, config, deps());
  t.deepEqual(
    receipts.map((r) => [r.kind, r.ok]),
    [
      ['s3', true],
      ['email', true],
    ],
  );
  const text = smtp.messages[0]!.parsed.text ?? '';
  t.true(text.includes(`s3://reports/kp/prod-eu-1/2026/11/23/${reportModel.reportId}/`));
  const d = toDeliveries(receipts, '2026-11-23T06:01:00Z');
  t.deepEqual(
    d.map((x) => [x.kind, x.ok, x.at]),
    [
      ['s3', true, '2026-11-23T06:01:00Z'],
      ['email', true, '2026-11-23T06:01:00Z'],
    ],
  );
});

test('S3 failing (missing bucket) does not stop the email, which then names no S3 location', async (t) => {
  const { cert, smtp } = await smtpPeer(t);
  const s3 = await startS3(['elsewhere']);
  t.teardown(s3.close);
  const config = parseDeliverConfig({
    email: emailCfg(smtp.port, cert.certFile),
    s3: s3Cfg(s3.endpoint),
    retry,
  });
  const receipts = await deliverAll(artifacts, reportModel, config, deps());
  t.deepEqual(
    receipts.map((r) => [r.kind, r.ok]),
    [
      ['s3', false],
      ['email', true],
    ],
  );
  t.regex(receipts[0]!.error ?? '', /bucket reports does not exist/);
  const text = smtp.messages[0]!.parsed.text ?? '';
  t.false(text.includes('s3://'));
  t.true(text.includes("written to the run's local output directory"));
});

test('email failing (server down) does not undo or stop S3', async (t) => {
  const s3 = await startS3(['reports']);
  t.teardown(s3.close);
  const config = parseDeliverConfig({ email: emailCfg(await closedPort()), s3: s3Cfg(s3.endpoint), retry });
  const receipts = await deliverAll(artifacts, reportModel, config, deps());
  t.deepEqual(
    receipts.map((r) => [r.kind, r.ok]),
    [
      ['s3', true],
      ['email', false],
    ],
  );
  t.deepEqual(receipts[0]!.artifacts, ['report.json', 'report.pdf']);
});

test('the local copy written first is never touched by failing deliveries; nothing throws', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeproof-out-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const local = await writeLocal(dir, artifacts);
  t.true(local.ok, local.error);
  const before = readdirSync(dir).map((f) => {
    const s = statSync(path.join(dir, f));
    return [f, s.mtimeMs, s.ino, readFileSync(path.join(dir, f)).toString('base64')];
  });
  const config = parseDeliverConfig({
    email: { ...emailCfg(await closedPort()), passwordFile: path.join(dir, 'missing-password-file') },
    s3: s3Cfg(`http://127.0.0.1:${await closedPort()}`),
    retry,
  });
  const receipts = await deliverAll(artifacts, reportModel, config, deps());
  t.deepEqual(
    receipts.map((r) => [r.kind, r.ok]),
    [
      ['s3', false],
      ['email', false],
    ],
  );
  t.regex(
    receipts[1]!.error ?? '',
    /^cannot read deliver.email.passwordFile .*missing-password-file: ENOENT$/,
  );
  const after = readdirSync(dir).map((f) => {
    const s = statSync(path.join(dir, f));
    return [f, s.mtimeMs, s.ino, readFileSync(path.join(dir, f)).toString('base64')];
  });
  t.deepEqual(after, before);
});

test('no target configured: no receipts', async (t) => {
  const config = parseDeliverConfig({});
  t.false(hasRemoteTargets(config));
  t.deepEqual(await deliverAll(artifacts, reportModel, config, deps()), []);
});

test('a reportUrl built from the S3 location is left out when S3 failed', async (t) => {
  const { cert, smtp } = await smtpPeer(t);
  const config = parseDeliverConfig({
    email: {
      ...emailCfg(smtp.port, cert.certFile),
      reportUrl: 'https://reports.example.com/{{bucket}}/{{key}}',
    },
    s3: s3Cfg(`http://127.0.0.1:${await closedPort()}`),
    retry,
  });
  const receipts = await deliverAll(artifacts, reportModel, config, deps());
  t.deepEqual(
    receipts.map((r) => [r.kind, r.ok]),
    [
      ['s3', false],
      ['email', true],
    ],
  );
  t.regex(receipts[0]!.error ?? '', /^report\.json: .*ECONNREFUSED.* \(after 2 attempts\)$/);
  const text = smtp.messages[0]!.parsed.text ?? '';
  t.false(text.includes('https://reports.example.com'));
  t.true(text.includes("written to the run's local output directory"));
});
