/**
 * S3 delivery against a real S3 REST peer (s3rver, path-style, checksums WHEN_REQUIRED), every object
 * read back with the SDK.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { deliverAll } from '../../src/deliver/index.ts';
import { parseDeliverConfig } from '../../src/deliver/config.ts';
import { s3Layout } from '../../src/deliver/s3.ts';
import type { Artifact } from '../../src/model/types.ts';
import { memoryLogger } from '../../src/util/log.ts';
import { S3RVER_CREDENTIALS, startS3 } from '../support/s3.ts';
import { closedPort } from '../support/smtp.ts';
import { reportModel } from '../fixtures/deliver/model.ts';

const env = { ...S3RVER_CREDENTIALS, AWS_REGION: 'us-east-1' };
// the SDK's default credential chain reads the process environment
Object.assign(process.env, S3RVER_CREDENTIALS);

const artifacts: Artifact[] = [
  {
    filename: 'report.json',
    mediaType: 'application/json',
    body: JSON.stringify({ schemaVersion: '1.0.0', n: 1 }),
  },
  { filename: 'report.html', mediaType: 'text/html; charset=utf-8', body: '<!doctype html><p>report</p>' },
  { filename: 'findings.csv', mediaType: 'text/csv', body: 'id,status\nf-1,fail\n' },
];

const retry = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

function s3cfg(endpoint: string, extra: object = {}) {
  return {
    s3: { url: 's3://reports/kubeproof/', endpoint, pathStyle: true, checksums: 'when-required', ...extra },
    retry,
  };
}

async function run(config: unknown, arts: Artifact[]) {
  const logger = memoryLogger();
  const sleeps: number[] = [];
  const receipts = await deliverAll(arts, reportModel, parseDeliverConfig(config), {
    logger,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    now: () => new Date('2026-11-23T06:00:00Z'),
    env,
  });
  return { receipts, logger, sleeps };
}

function client(t: ExecutionContext, endpoint: string): S3Client {
  const c = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  t.teardown(() => c.destroy());
  return c;
}

async function get(c: S3Client, key: string): Promise<{ body: Buffer; contentType: string | undefined }> {
  const r = await c.send(new GetObjectCommand({ Bucket: 'reports', Key: key }));
  return { body: Buffer.from(await r.Body!.transformToByteArray()), contentType: r.ContentType };
}

test('layout: {prefix}/{cluster}/{yyyy}/{mm}/{dd}/{runId}/ and {prefix}/{cluster}/latest.json', (t) => {
  const l = s3Layout('s3://reports/kube proof//', {
    ...reportModel,
    cluster: { ...reportModel.cluster, name: 'prod/eu 1' },
  });
  t.deepEqual(l, {
    bucket: 'reports',
    runKey: `kube proof/prod-eu-1/2026/11/23/${reportModel.reportId}/`,
    latestKey: 'kube proof/prod-eu-1/latest.json',
  });
  t.is(s3Layout('s3://reports', reportModel).latestKey, 'prod-eu-1/latest.json');
});

test('upload, verify, latest.json pointer; bytes and content types round-trip', async (t) => {
  const s3 = await startS3(['reports']);
  t.teardown(s3.close);
  const { receipts, sleeps } = await run(s3cfg(s3.endpoint), artifacts);
  const r = receipts[0]!;
  t.true(r.ok, r.error);
  t.is(r.kind, 's3');
  t.is(r.target, `s3://reports/kubeproof at ${s3.endpoint}/`);
  const runKey = `kubeproof/prod-eu-1/2026/11/23/${reportModel.reportId}/`;
  t.is(r.id, `s3://reports/${runKey}`);
  t.deepEqual(r.artifacts, ['findings.csv', 'report.html', 'report.json']);
  t.deepEqual(sleeps, []);
  const c = client(t, s3.endpoint);
  for (const a of artifacts) {
    const o = await get(c, runKey + a.filename);
    t.true(Buffer.compare(o.body, Buffer.from(a.body)) === 0, a.filename);
    t.is(o.contentType, a.mediaType);
  }
  const latest = JSON.parse((await get(c, 'kubeproof/prod-eu-1/latest.json')).body.toString('utf8')) as {
    reportId: string;
    runKey: string;
    objects: { filename: string; key: string; bytes: number; sha256: string }[];
  };
  t.is(latest.reportId, reportModel.reportId);
  t.is(latest.runKey, runKey);
  t.deepEqual(
    latest.objects.map((o) => [o.filename, o.key, o.bytes]),
    artifacts
      .map((a) => [a.filename, runKey + a.filename, Buffer.byteLength(a.body)] as const)
      .sort((x, y) => (x[0] < y[0] ? -1 : 1))
      .map((x) => [...x]),
  );
  // a consumer pages through the run folders (s3rver needs --openssl-legacy-provider for tokens)
  const page1 = await c.send(
    new ListObjectsV2Command({ Bucket: 'reports', Prefix: 'kubeproof/', MaxKeys: 2 }),
  );
  t.true(page1.IsTruncated);
  const page2 = await c.send(
    new ListObjectsV2Command({
      Bucket: 'reports',
      Prefix: 'kubeproof/',
      ContinuationToken: page1.NextContinuationToken,
    }),
  );
  t.is((page1.Contents ?? []).length + (page2.Contents ?? []).length, 4);
  // every artifact PUT carried a Content-MD5 and was verified with a HEAD
  const puts = s3.requests.filter((q) => q.method === 'PUT' && q.url.includes(reportModel.reportId));
  t.is(puts.length, 3);
  t.true(puts.every((q) => typeof q.headers['content-md5'] === 'string'));
  t.is(s3.requests.filter((q) => q.method === 'HEAD').length, 4);
});

test('multipart upload of a 12 MiB artifact: stored byte-identical', async (t) => {
  const s3 = await startS3(['reports']);
  t.teardown(s3.close);
  const big = randomBytes(12 * 1024 * 1024);
  const { receipts, logger } = await run(s3cfg(s3.endpoint), [
    { filename: 'report.pdf', mediaType: 'application/pdf', body: big },
  ]);
  t.true(receipts[0]!.ok, receipts[0]!.error);
  t.true(
    s3.requests.some((q) => q.method === 'POST' && /[?&]uploads/.test(q.url)),
    'CreateMultipartUpload',
  );
  t.true(s3.requests.filter((q) => q.method === 'PUT' && /partNumber=/.test(q.url)).length >= 2, 'parts');
  const o = await get(
    client(t, s3.endpoint),
    `kubeproof/prod-eu-1/2026/11/23/${reportModel.reportId}/report.pdf`,
  );
  t.is(o.body.length, big.length);
  t.is(createHash('sha256').update(o.body).digest('hex'), createHash('sha256').update(big).digest('hex'));
  t.true(logger.lines.some((l) => l.includes('S3 delivery complete')));
});

test('missing bucket: clear error, not retried', async (t) => {
  const s3 = await startS3(['other']);
  t.teardown(s3.close);
  const { receipts, sleeps } = await run(s3cfg(s3.endpoint), artifacts);
  const r = receipts[0]!;
  t.false(r.ok);
  t.is(r.error, `findings.csv: bucket reports does not exist at endpoint ${s3.endpoint}/`);
  t.deepEqual(r.artifacts, []);
  t.deepEqual(sleeps, []);
});

test('server down: connection refused is retried, then ok:false; secrets never in the error', async (t) => {
  const port = await closedPort();
  const { receipts, sleeps, logger } = await run(s3cfg(`http://127.0.0.1:${port}`), artifacts);
  const r = receipts[0]!;
  t.false(r.ok);
  t.regex(r.error ?? '', /ECONNREFUSED.*after 3 attempts/);
  t.deepEqual(sleeps, [75, 150]);
  t.true(logger.lines.some((l) => l.includes('S3 upload failed; retrying')));
  t.false([JSON.stringify(receipts), ...logger.lines].join('\n').includes(env.AWS_SECRET_ACCESS_KEY));
});

test('SSE and Object Lock headers on artifacts; the latest.json pointer carries no retention', async (t) => {
  const s3 = await startS3(['reports']);
  t.teardown(s3.close);
  const { receipts } = await run(
    s3cfg(s3.endpoint, { sse: 'AES256', objectLock: { mode: 'COMPLIANCE', retainDays: 400 } }),
    artifacts.slice(0, 1),
  );
  t.true(receipts[0]!.ok, receipts[0]!.error);
  const puts = s3.requests.filter((q) => q.method === 'PUT');
  t.is(puts.length, 2);
  const [artifactPut, pointerPut] = [
    puts.find((q) => q.url.includes('report.json'))!,
    puts.find((q) => q.url.includes('latest.json'))!,
  ];
  t.is(artifactPut.headers['x-amz-server-side-encryption'], 'AES256');
  t.is(artifactPut.headers['x-amz-object-lock-mode'], 'COMPLIANCE');
  // now (2026-11-23T06:00Z) + 400 days
  t.is(
    new Date(String(artifactPut.headers['x-amz-object-lock-retain-until-date'])).toISOString(),
    '2027-12-28T06:00:00.000Z',
  );
  t.is(pointerPut.headers['x-amz-server-side-encryption'], 'AES256');
  t.is(pointerPut.headers['x-amz-object-lock-mode'], undefined);
});

test('AWS_ENDPOINT_URL_S3 from the environment is used when no endpoint is configured', async (t) => {
  const s3 = await startS3(['reports']);
  t.teardown(s3.close);
  const logger = memoryLogger();
  const config = parseDeliverConfig({
    s3: { url: 's3://reports/env', pathStyle: true, checksums: 'when-required' },
    retry,
  });
  const receipts = await deliverAll(artifacts, reportModel, config, {
    logger,
    sleep: () => Promise.resolve(),
    env: { ...env, AWS_ENDPOINT_URL_S3: s3.endpoint },
  });
  t.true(receipts[0]!.ok, receipts[0]!.error);
  t.is(receipts[0]!.target, `s3://reports/env at ${s3.endpoint}/`);
  t.true(s3.requests.some((q) => q.url.includes('/reports/env/prod-eu-1/latest.json')));
});
