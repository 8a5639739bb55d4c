/**
 * S3 delivery (@aws-sdk/client-s3 + lib-storage, imported lazily). Layout:
 *
 *   {prefix}/{cluster}/{yyyy}/{mm}/{dd}/{runId}/{filename}   every artifact of the run
 *   {prefix}/{cluster}/latest.json                          a small pointer to the newest complete run
 *
 * Each object is uploaded (PutObject with Content-MD5, or a multipart Upload above the threshold),
 * then verified with HeadObject: size, the sha256 we stored in its metadata, and, for single-part
 * uploads without SSE-KMS, the ETag against our MD5. latest.json is written last, only when every
 * artifact verified, so it never points at a partial run. Credentials come from the SDK's standard
 * chain (env, web identity / IRSA, profile, container and instance metadata); nothing is overridden.
 */
import { createHash } from 'node:crypto';
import type { Artifact, ReportModel, Receipt } from '../model/types.ts';
import { redactUrl } from '../util/redact.ts';
import type { S3Config } from './config.ts';
import type { DeliverContext, ReportLocation } from './context.ts';
import { RetryExhausted, TransientError, isTransientError, withRetry } from './retry.ts';
import { scrubError } from './scrub.ts';

const LATEST_SCHEMA = 'kubeproof.latest/v1';

/** `s3://bucket/a/b/` → { bucket, prefix: 'a/b' }. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || !m[1]) throw new Error(`not an s3:// URL: ${url}`);
  return { bucket: m[1], prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/** A key segment from free text (cluster names, run ids): safe characters only, never empty. */
export function keySegment(s: string): string {
  const out = s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+|-+$/g, '');
  return out === '' ? 'unnamed' : out;
}

export interface S3Layout {
  bucket: string;
  /** Run folder key, ending with `/`. */
  runKey: string;
  latestKey: string;
}

/** The keys of a run, from the model's cluster name, generatedAt (UTC date) and reportId. */
export function s3Layout(url: string, model: ReportModel): S3Layout {
  const { bucket, prefix } = parseS3Url(url);
  const d = new Date(model.generatedAt);
  const date = Number.isNaN(d.getTime())
    ? ['undated']
    : [
        String(d.getUTCFullYear()).padStart(4, '0'),
        String(d.getUTCMonth() + 1).padStart(2, '0'),
        String(d.getUTCDate()).padStart(2, '0'),
      ];
  const clusterKey = [prefix, keySegment(model.cluster.name)].filter((p) => p !== '').join('/');
  return {
    bucket,
    runKey: `${[clusterKey, ...date, keySegment(model.reportId)].join('/')}/`,
    latestKey: `${clusterKey}/latest.json`,
  };
}

/** Pointer document written to latest.json. */
export interface LatestPointer {
  schema: typeof LATEST_SCHEMA;
  cluster: string;
  reportId: string;
  generatedAt: string;
  bucket: string;
  runKey: string;
  objects: { filename: string; key: string; mediaType: string; bytes: number; sha256: string }[];
}

function field(err: unknown, key: string): unknown {
  return err && typeof err === 'object' ? (err as Record<string, unknown>)[key] : undefined;
}

function describe(err: unknown, secrets: string[], bucket: string, where: string, prefixArn: string): string {
  const name = field(err, 'name') ?? field(err, 'Code');
  const status = field(field(err, '$metadata'), 'httpStatusCode');
  const msg = scrubError(err, secrets);
  if (name === 'NoSuchBucket') return `bucket ${bucket} does not exist at endpoint ${where}`;
  if (name === 'AccessDenied' || status === 403) {
    return `access denied (${msg}): the credentials need s3:PutObject and s3:GetObject on ${prefixArn} (plus s3:PutObjectRetention with Object Lock)`;
  }
  if (name === 'CredentialsProviderError') {
    return `no AWS credentials found (${msg}): set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a web identity (IRSA), a profile, or run where instance metadata is available`;
  }
  if (name === 'InvalidRequest' && /object lock/i.test(msg)) {
    return `${msg}: Object Lock must be enabled on bucket ${bucket} (it needs versioning; see docs/delivery.md)`;
  }
  const code = field(err, 'code');
  const prefix =
    typeof name === 'string' && name !== 'Error' ? `${name}: ` : typeof code === 'string' ? `${code}: ` : '';
  return `${prefix}${msg}`;
}

function md5(body: Buffer): Buffer {
  return createHash('md5').update(body).digest();
}

/**
 * Uploads the artifacts. Never throws: failures become an ok:false receipt; `location` is set only
 * when every artifact was uploaded and verified (the email then points at it).
 */
export async function deliverS3(
  artifacts: readonly Artifact[],
  model: ReportModel,
  cfg: S3Config,
  ctx: DeliverContext,
): Promise<{ receipt: Receipt; location?: ReportLocation }> {
  const endpoint = cfg.endpoint ?? ctx.env['AWS_ENDPOINT_URL_S3'] ?? ctx.env['AWS_ENDPOINT_URL'];
  const region =
    cfg.region ??
    ctx.env['AWS_REGION'] ??
    ctx.env['AWS_DEFAULT_REGION'] ??
    (endpoint ? 'us-east-1' : undefined);
  const where = endpoint ? redactUrl(endpoint) : `AWS S3 (${region ?? 'default region'})`;
  const target = `${cfg.url.replace(/\/+$/, '')}${endpoint ? ` at ${redactUrl(endpoint)}` : ''}`;
  const secrets = [ctx.env['AWS_SECRET_ACCESS_KEY'], ctx.env['AWS_SESSION_TOKEN']].filter(
    (s): s is string => typeof s === 'string' && s !== '',
  );
  const { bucket: cfgBucket, prefix: cfgPrefix } = parseS3Url(cfg.url);
  const prefixArn = `arn:aws:s3:::${cfgBucket}/${cfgPrefix}${cfgPrefix ? '/' : ''}*`;
  const uploaded: string[] = [];
  let layout: S3Layout | undefined;
  let current = '';
  try {
    layout = s3Layout(cfg.url, model);
    const { bucket, runKey, latestKey } = layout;
    const { S3Client, PutObjectCommand, HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const { Upload } = await import('@aws-sdk/lib-storage');
    const checksum = cfg.checksums === 'when-required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
    const client = new S3Client({
      ...(region ? { region } : {}),
      // the env endpoint is passed explicitly too, so messages and requests name the same server
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle: cfg.pathStyle,
      requestChecksumCalculation: checksum,
      responseChecksumValidation: checksum,
      // retries are ours (backoff with jitter, injectable sleep), per object
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    });
    const retainUntil = cfg.objectLock
      ? cfg.objectLock.retainUntil !== undefined
        ? new Date(cfg.objectLock.retainUntil)
        : new Date(ctx.now().getTime() + (cfg.objectLock.retainDays ?? 0) * 86_400_000)
      : undefined;
    const sseParams = {
      ...(cfg.sse ? { ServerSideEncryption: cfg.sse } : {}),
      ...(cfg.kmsKeyId ? { SSEKMSKeyId: cfg.kmsKeyId } : {}),
    };

    const putOne = async (
      key: string,
      body: Buffer,
      mediaType: string,
      lock: boolean,
      extra: object = {},
    ): Promise<void> => {
      const sha256 = createHash('sha256').update(body).digest('hex');
      const digest = md5(body);
      const params = {
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: mediaType,
        Metadata: { sha256, 'report-id': model.reportId },
        ...sseParams,
        ...(lock && cfg.objectLock && retainUntil
          ? { ObjectLockMode: cfg.objectLock.mode, ObjectLockRetainUntilDate: retainUntil }
          : {}),
        ...extra,
      };
      const multipart = body.length > cfg.multipartThresholdBytes;
      await withRetry(
        async () => {
          if (multipart) {
            const up = new Upload({
              client,
              params,
              partSize: Math.max(5 * 1024 * 1024, Math.ceil(body.length / 9_000)),
              queueSize: 4,
              leavePartsOnError: false,
            });
            await up.done();
          } else {
            // Content-MD5 lets the server reject a corrupted body; Object Lock puts require it
            await client.send(
              new PutObjectCommand({
                ...params,
                ContentLength: body.length,
                ContentMD5: digest.toString('base64'),
              }),
            );
          }
          const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
          if (head.ContentLength !== body.length) {
            throw new TransientError(
              `verification of ${key}: stored size ${head.ContentLength} != ${body.length}`,
            );
          }
          if (head.Metadata?.['sha256'] !== sha256) {
            throw new TransientError(`verification of ${key}: stored sha256 metadata does not match`);
          }
          const etag = (head.ETag ?? '').replace(/"/g, '');
          if (
            !multipart &&
            cfg.sse !== 'aws:kms' &&
            /^[0-9a-f]{32}$/.test(etag) &&
            etag !== digest.toString('hex')
          ) {
            throw new TransientError(`verification of ${key}: ETag ${etag} != MD5 ${digest.toString('hex')}`);
          }
        },
        {
          ...ctx.retry,
          sleep: ctx.sleep,
          random: ctx.random,
          isTransient: isTransientError,
          onRetry: (err, attempt, delayMs) =>
            ctx.logger.warn('S3 upload failed; retrying', {
              target,
              key,
              attempt,
              delayMs,
              error: describe(err, secrets, bucket, where, prefixArn),
            }),
        },
      );
    };

    const pointer: LatestPointer = {
      schema: LATEST_SCHEMA,
      cluster: model.cluster.name,
      reportId: model.reportId,
      generatedAt: model.generatedAt,
      bucket,
      runKey,
      objects: [],
    };
    const sorted = [...artifacts].sort((a, b) =>
      a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0,
    );
    try {
      for (const a of sorted) {
        current = a.filename;
        const body = Buffer.from(a.body);
        const key = `${runKey}${keySegment(a.filename)}`;
        await putOne(key, body, a.mediaType, true);
        uploaded.push(a.filename);
        pointer.objects.push({
          filename: a.filename,
          key,
          mediaType: a.mediaType,
          bytes: body.length,
          sha256: createHash('sha256').update(body).digest('hex'),
        });
        ctx.logger.debug('S3 object uploaded and verified', { target, key, bytes: body.length });
      }
      current = 'latest.json';
      // the pointer is rewritten every run, so it carries no retention of its own
      await putOne(
        latestKey,
        Buffer.from(JSON.stringify(pointer, null, 2) + '\n'),
        'application/json',
        false,
        {
          CacheControl: 'no-cache',
        },
      );
    } finally {
      client.destroy();
    }
    const location: ReportLocation = { bucket, key: runKey, uri: `s3://${bucket}/${runKey}` };
    ctx.logger.info('S3 delivery complete', { target, location: location.uri, objects: uploaded.length });
    return { receipt: { kind: 's3', target, ok: true, id: location.uri, artifacts: uploaded }, location };
  } catch (err) {
    const cause = err instanceof RetryExhausted ? err.cause : err;
    const attempts = err instanceof RetryExhausted ? err.attempts : 1;
    const what = current ? `${current}: ` : '';
    const error = `${what}${describe(cause, secrets, layout?.bucket ?? cfgBucket, where, prefixArn)}${
      attempts > 1 ? ` (after ${attempts} attempts)` : ''
    }`;
    ctx.logger.error('S3 delivery failed', { target, error, uploaded });
    return { receipt: { kind: 's3', target, ok: false, error, artifacts: uploaded } };
  }
}
