import { z } from 'zod';

/**
 * The configuration of a run. One schema serves the YAML file (`--config`), the environment
 * (`KUBEPROOF_*`) and the flags (see options.ts); flags win over environment, environment over file.
 */

export const FORMATS = ['json', 'html', 'pdf', 'csv', 'sarif', 'oscal', 'hdf'] as const;
export type Format = (typeof FORMATS)[number];

/** Short names accepted wherever a framework id is. */
export const FRAMEWORK_ALIASES: Record<string, string> = {
  pci: 'pci-dss-4.0.1',
  'pci-dss': 'pci-dss-4.0.1',
  soc2: 'soc2-2017',
  iso: 'iso27001-2022',
  iso27001: 'iso27001-2022',
  nist: 'nist-800-53-r5',
  'nist-800-53': 'nist-800-53-r5',
};

const nonEmpty = z.string().min(1);
const isoDateTime = z
  .union([z.string(), z.date()])
  .transform((v, ctx) => {
    const d = v instanceof Date ? v : new Date(v);
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: 'custom', message: `expected a date or date-time (2026-11-01 or 2026-11-01T00:00:00Z), got "${String(v)}"` });
      return z.NEVER;
    }
    return d.toISOString();
  });

export const emailConfigSchema = z.strictObject({
  smtpUrl: nonEmpty.optional(),
  passwordFile: nonEmpty.optional(),
  from: nonEmpty.optional(),
  to: z.array(nonEmpty).default([]),
  cc: z.array(nonEmpty).default([]),
  bcc: z.array(nonEmpty).default([]),
  tls: z
    .strictObject({
      mode: z.enum(['starttls-required', 'starttls-opportunistic', 'implicit']).optional(),
      caFile: nonEmpty.optional(),
      rejectUnauthorized: z.boolean().default(true),
    })
    .default({ rejectUnauthorized: true }),
  subject: nonEmpty.optional(),
  attachPdfMaxBytes: z.number().int().positive().default(10 * 1024 * 1024),
  reportUrl: nonEmpty.optional(),
});

export const s3ConfigSchema = z.strictObject({
  url: nonEmpty.optional(),
  endpoint: nonEmpty.optional(),
  region: nonEmpty.optional(),
  pathStyle: z.boolean().default(false),
  sse: z.enum(['AES256', 'aws:kms']).optional(),
  kmsKeyId: nonEmpty.optional(),
  objectLock: z
    .strictObject({
      mode: z.enum(['GOVERNANCE', 'COMPLIANCE']),
      retainDays: z.number().int().positive().optional(),
      retainUntil: nonEmpty.optional(),
    })
    .optional(),
  checksums: z.enum(['when-supported', 'when-required']).default('when-supported'),
});

export const configSchema = z
  .strictObject({
    clusterName: nonEmpty.optional(),
    frameworks: z.array(nonEmpty).optional(),
    formats: z.array(z.enum(FORMATS)).default(['json', 'html']),
    out: nonEmpty.default('kubeproof-report'),
    paper: z.enum(['a4', 'letter']).default('a4'),
    perFrameworkPdf: z.boolean().default(false),
    chromium: nonEmpty.optional(),
    mappingsDir: nonEmpty.optional(),
    inputs: z
      .strictObject({
        kubeBench: z.array(nonEmpty).default([]),
        kubescape: z.array(nonEmpty).default([]),
        auditLog: z.array(nonEmpty).default([]),
        snapshot: z.array(nonEmpty).default([]),
      })
      .default({ kubeBench: [], kubescape: [], auditLog: [], snapshot: [] }),
    cluster: z
      .strictObject({
        enabled: z.boolean().default(true),
        kubeconfig: nonEmpty.optional(),
        context: nonEmpty.optional(),
        requestTimeoutSeconds: z.number().positive().default(30),
        pageSize: z.number().int().positive().max(5000).default(500),
      })
      .default({ enabled: true, requestTimeoutSeconds: 30, pageSize: 500 }),
    period: z.strictObject({ since: isoDateTime.optional(), until: isoDateTime.optional() }).default({}),
    notApplicable: z.array(z.strictObject({ control: nonEmpty, reason: nonEmpty })).default([]),
    waivers: z.array(nonEmpty).default([]),
    attestations: z.array(nonEmpty).default([]),
    failOn: z.enum(['none', 'fail', 'incomplete']).default('none'),
    log: z
      .strictObject({
        level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
        format: z.enum(['text', 'json']).default('text'),
      })
      .default({ level: 'info', format: 'text' }),
    deliver: z
      .strictObject({
        email: emailConfigSchema.optional(),
        s3: s3ConfigSchema.optional(),
      })
      .default({}),
  })
  .superRefine((c, ctx) => {
    const email = c.deliver.email;
    if (email?.smtpUrl) {
      if (!/^smtps?:\/\//.test(email.smtpUrl)) {
        ctx.addIssue({ code: 'custom', path: ['deliver', 'email', 'smtpUrl'], message: 'must start with smtp:// or smtps://' });
      }
      if (email.to.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['deliver', 'email', 'to'], message: 'required when deliver.email.smtpUrl is set' });
      }
      if (!email.from) {
        ctx.addIssue({ code: 'custom', path: ['deliver', 'email', 'from'], message: 'required when deliver.email.smtpUrl is set' });
      }
    } else if (email && email.to.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['deliver', 'email', 'smtpUrl'], message: 'required when deliver.email.to is set' });
    }
    const s3 = c.deliver.s3;
    if (s3 && (s3.url || s3.endpoint || s3.sse || s3.objectLock)) {
      if (!s3.url) {
        ctx.addIssue({ code: 'custom', path: ['deliver', 's3', 'url'], message: 'required when other deliver.s3 options are set (s3://bucket/prefix)' });
      } else if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(s3.url)) {
        ctx.addIssue({ code: 'custom', path: ['deliver', 's3', 'url'], message: `must look like s3://bucket/prefix (got "${s3.url}")` });
      }
      if (s3.sse === 'aws:kms' && !s3.kmsKeyId) {
        ctx.addIssue({ code: 'custom', path: ['deliver', 's3', 'kmsKeyId'], message: 'required when deliver.s3.sse is aws:kms' });
      }
      if (s3.objectLock && !s3.objectLock.retainDays && !s3.objectLock.retainUntil) {
        ctx.addIssue({ code: 'custom', path: ['deliver', 's3', 'objectLock'], message: 'needs retainDays or retainUntil' });
      }
    }
    if (c.period.since && c.period.until && c.period.since > c.period.until) {
      ctx.addIssue({ code: 'custom', path: ['period', 'since'], message: 'is after period.until' });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
