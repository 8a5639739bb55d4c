/**
 * Read-only S3 access for history, verify and fleet (@aws-sdk/client-s3, imported lazily). Uses the same
 * endpoint/region/path-style settings as delivery (deliver.s3) and the SDK's standard credential chain.
 */
import { KubeproofError } from '../errors.ts';
import { parseS3Url } from '../deliver/s3.ts';
import { scrubError } from '../deliver/scrub.ts';
import { redactUrl } from '../util/redact.ts';

export interface S3Access {
  endpoint?: string | undefined;
  region?: string | undefined;
  pathStyle?: boolean | undefined;
}

export interface ObjectStore {
  /** The object's bytes, or undefined when it does not exist. */
  get(bucket: string, key: string): Promise<Buffer | undefined>;
  /** Keys and common prefixes (with `delimiter`) under `prefix`, every page, sorted. */
  list(bucket: string, prefix: string, delimiter?: string): Promise<{ keys: string[]; prefixes: string[] }>;
  close(): void;
}

export { parseS3Url };

/** Opens an S3 client. Environment: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_REGION / AWS_DEFAULT_REGION. */
export async function openS3(
  access: S3Access,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ObjectStore> {
  const endpoint = access.endpoint ?? env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL'];
  const region =
    access.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? (endpoint ? 'us-east-1' : undefined);
  const where = endpoint ? redactUrl(endpoint) : 'AWS S3';
  const secrets = [env['AWS_SECRET_ACCESS_KEY'], env['AWS_SESSION_TOKEN']].filter(
    (s): s is string => typeof s === 'string' && s !== '',
  );
  const { S3Client, GetObjectCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: access.pathStyle ?? false,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  });
  const fail = (what: string, err: unknown): never => {
    const name = (err as { name?: unknown })?.name;
    const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    const msg = scrubError(err, secrets);
    const hint =
      name === 'NoSuchBucket'
        ? 'check the bucket name and the endpoint (--s3-endpoint)'
        : name === 'AccessDenied' || status === 403
          ? 'the credentials need s3:GetObject and s3:ListBucket on the prefix'
          : undefined;
    throw new KubeproofError(
      's3',
      `${what} at ${where}: ${typeof name === 'string' && name !== 'Error' ? `${name}: ` : ''}${msg}`,
      hint,
    );
  };
  return {
    async get(bucket, key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!res.Body) return Buffer.alloc(0);
        return Buffer.from(await res.Body.transformToByteArray());
      } catch (err) {
        const name = (err as { name?: unknown })?.name;
        if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
        return fail(`reading s3://${bucket}/${key}`, err);
      }
    },
    async list(bucket, prefix, delimiter) {
      const keys: string[] = [];
      const prefixes: string[] = [];
      let token: string | undefined;
      try {
        do {
          const res = await client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              ...(delimiter ? { Delimiter: delimiter } : {}),
              ...(token ? { ContinuationToken: token } : {}),
            }),
          );
          for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
          for (const p of res.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
          token = res.IsTruncated ? res.NextContinuationToken : undefined;
        } while (token);
      } catch (err) {
        return fail(`listing s3://${bucket}/${prefix}`, err);
      }
      return { keys: keys.sort(), prefixes: prefixes.sort() };
    },
    close() {
      client.destroy();
    },
  };
}
