/**
 * Delivery configuration: the `deliver:` section of the main config. The integrator embeds
 * `deliverConfigSchema` under `deliver`; `parseDeliverConfig` validates it stand-alone and throws a
 * ConfigError whose message starts with the field path (`deliver.s3.url: must look like s3://bucket/prefix`).
 * A target is enabled by its presence: `email` needs `smtpUrl`, `s3` needs `url`.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.ts';

export const DEFAULT_SUBJECT = '[kubeproof] {{cluster}}: {{failCount}} failing controls — {{date}}';
export const DEFAULT_ATTACH_PDF_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MULTIPART_THRESHOLD_BYTES = 8 * 1024 * 1024;

const SMTP_URL = /^smtps?:\/\/[^/\s]+$/i;
const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^\s]*)?$/;

const retrySchema = z
  .object({
    /** Total attempts per operation (1 = no retry). */
    attempts: z.number().int().min(1).max(10).default(4),
    baseDelayMs: z.number().int().min(0).max(60_000).default(1_000),
    maxDelayMs: z.number().int().min(0).max(600_000).default(30_000),
  })
  .strict();

const tlsSchema = z
  .object({
    /**
     * `starttls-required` (port 587, refuse to send in clear), `starttls-opportunistic` (upgrade when offered),
     * `implicit` (TLS from the first byte, port 465, `smtps://`). Default: from the URL scheme.
     */
    mode: z.enum(['starttls-required', 'starttls-opportunistic', 'implicit']).optional(),
    /** PEM bundle of CAs trusted for the SMTP server (private CA); the system store is used otherwise. */
    caFile: z.string().min(1).optional(),
    /** Certificate verification; turning it off is logged as a warning on every run. */
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

export const emailConfigSchema = z
  .object({
    /** `smtp://[user[:pass]@]host[:port]` or `smtps://...`; prefer passwordFile or KUBEPROOF_SMTP_PASSWORD. */
    smtpUrl: z
      .string()
      .regex(SMTP_URL, 'must look like smtp://user@host:587 or smtps://user@host:465')
      .optional(),
    /** File holding the SMTP password (a mounted Secret); wins over the env var and the URL. */
    passwordFile: z.string().min(1).optional(),
    from: z.string().min(3).optional(),
    to: z.array(z.string().min(3)).default([]),
    cc: z.array(z.string().min(3)).default([]),
    bcc: z.array(z.string().min(3)).default([]),
    tls: tlsSchema.default({ rejectUnauthorized: true }),
    /** Handlebars template over cluster, failCount, date, reportId, generatedAt. */
    subject: z.string().min(1).default(DEFAULT_SUBJECT),
    attachPdfMaxBytes: z.number().int().min(0).default(DEFAULT_ATTACH_PDF_MAX_BYTES),
    /**
     * Link to the full report, shown in the email; a handlebars template over bucket, key (the run folder),
     * runId and cluster, so it can point at a web front for the bucket.
     */
    reportUrl: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(1_000).max(600_000).default(30_000),
  })
  .strict()
  .superRefine((e, ctx) => {
    const set = e.smtpUrl !== undefined;
    if (set && e.to.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'required when deliver.email.smtpUrl is set' });
    }
    if (set && e.from === undefined) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'required when deliver.email.smtpUrl is set' });
    }
    if (!set && (e.to.length > 0 || e.from !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['smtpUrl'],
        message: 'required when deliver.email.to or deliver.email.from is set',
      });
    }
    if (set && e.tls.mode !== undefined) {
      const implicitScheme = /^smtps:/i.test(e.smtpUrl ?? '');
      if (implicitScheme !== (e.tls.mode === 'implicit')) {
        ctx.addIssue({
          code: 'custom',
          path: ['tls', 'mode'],
          message: implicitScheme
            ? 'smtps:// means implicit TLS; use smtp:// for STARTTLS'
            : 'implicit TLS needs an smtps:// URL',
        });
      }
    }
  });

export const s3ConfigSchema = z
  .object({
    /** `s3://bucket/prefix` (prefix optional). */
    url: z.string().regex(S3_URL, 'must look like s3://bucket/prefix'),
    /** Custom endpoint (MinIO, Ceph RGW, GCS XML API); AWS_ENDPOINT_URL_S3 is used when absent. */
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    region: z.string().min(1).optional(),
    /** Path-style addressing (`endpoint/bucket/key`), needed by most non-AWS servers. */
    pathStyle: z.boolean().default(false),
    sse: z.enum(['AES256', 'aws:kms']).optional(),
    kmsKeyId: z.string().min(1).optional(),
    objectLock: z
      .object({
        mode: z.enum(['GOVERNANCE', 'COMPLIANCE']),
        retainDays: z.number().int().min(1).max(36_500).optional(),
        retainUntil: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
      })
      .strict()
      .optional(),
    /** `when-required` for servers that mishandle streamed checksums (s3rver, some gateways). */
    checksums: z.enum(['when-required', 'when-supported']).default('when-supported'),
    /** Artifacts larger than this go up as a multipart upload. */
    multipartThresholdBytes: z
      .number()
      .int()
      .min(5 * 1024 * 1024)
      .default(DEFAULT_MULTIPART_THRESHOLD_BYTES),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.kmsKeyId !== undefined && s.sse !== 'aws:kms') {
      ctx.addIssue({ code: 'custom', path: ['kmsKeyId'], message: "only valid with sse: 'aws:kms'" });
    }
    const lock = s.objectLock;
    if (lock && (lock.retainDays === undefined) === (lock.retainUntil === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['objectLock'],
        message: 'give exactly one of retainDays or retainUntil',
      });
    }
  });

export const deliverConfigSchema = z
  .object({
    email: emailConfigSchema.optional(),
    s3: s3ConfigSchema.optional(),
    retry: retrySchema.default({ attempts: 4, baseDelayMs: 1_000, maxDelayMs: 30_000 }),
  })
  .strict();

export type DeliverConfig = z.infer<typeof deliverConfigSchema>;
export type DeliverConfigInput = z.input<typeof deliverConfigSchema>;
export type EmailConfig = z.infer<typeof emailConfigSchema>;
export type S3Config = z.infer<typeof s3ConfigSchema>;
export type RetryConfig = z.infer<typeof retrySchema>;

/** Formats zod issues as `deliver.s3.url: must look like s3://bucket/prefix`, one per line. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], root = 'deliver'): string {
  return issues
    .map((i) => {
      const path = [root, ...i.path.map(String)].filter((p) => p !== '').join('.');
      return `${path}: ${i.message}`;
    })
    .join('\n');
}

/** Validates a `deliver:` section; throws ConfigError with path-carrying messages. */
export function parseDeliverConfig(input: unknown, root = 'deliver'): DeliverConfig {
  const r = deliverConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    throw new ConfigError(
      formatIssues(r.error.issues, root),
      'see docs/delivery.md for the deliver: section',
    );
  }
  return r.data;
}
