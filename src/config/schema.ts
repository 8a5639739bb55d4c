import { z } from 'zod';
import { deliverConfigSchema } from '../deliver/config.ts';

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
const isoDateTime = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a date or date-time (2026-11-01 or 2026-11-01T00:00:00Z), got "${String(v)}"`,
    });
    return z.NEVER;
  }
  return d.toISOString();
});

const seconds = z.coerce.number().int().positive();

/** Scanner Jobs run by `kubeproof scan` in the cluster (src/jobs/). */
export const jobsConfigSchema = z.strictObject({
  /** Namespace of the Jobs (default: kubeproof's own, from the service account). */
  namespace: nonEmpty.optional(),
  /** Service account of the Kubescape Job (default: the template's). */
  serviceAccount: nonEmpty.optional(),
  timeoutSeconds: seconds.default(600),
  /** Jobs created and awaited at the same time. */
  parallelism: z.coerce.number().int().min(1).max(50).default(5),
  kubeBench: z
    .strictObject({
      enabled: z.boolean().default(true),
      controlPlane: z.enum(['auto', 'always', 'never']).default('auto'),
      workerNodes: z.union([z.literal('all'), z.coerce.number().int().nonnegative()]).default('all'),
      benchmark: nonEmpty.optional(),
      /** Job template (YAML); default: deploy/base/jobs/kube-bench-job.yaml shipped with kubeproof. */
      template: nonEmpty.optional(),
      image: nonEmpty.optional(),
      /** Results of kube-bench Jobs run by other means: Job names or label selectors. */
      existing: z.array(nonEmpty).default([]),
    })
    .prefault({}),
  kubescape: z
    .strictObject({
      enabled: z.boolean().default(false),
      template: nonEmpty.optional(),
      image: nonEmpty.optional(),
    })
    .prefault({}),
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
        inCluster: z.boolean().default(false),
      })
      .prefault({}),
    jobs: jobsConfigSchema.prefault({}),
    metrics: z
      .strictObject({
        file: nonEmpty.optional(),
        pushgateway: z.url({ protocol: /^https?$/ }).optional(),
        /** Pushgateway grouping: the job label. */
        job: nonEmpty.default('kubeproof'),
      })
      .prefault({}),
    schedule: z.strictObject({ cron: nonEmpty.optional(), timezone: nonEmpty.optional() }).default({}),
    period: z.strictObject({ since: isoDateTime.optional(), until: isoDateTime.optional() }).default({}),
    notApplicable: z.array(z.strictObject({ control: nonEmpty, reason: nonEmpty })).default([]),
    waivers: z.array(nonEmpty).default([]),
    attestations: z.array(nonEmpty).default([]),
    failOn: z.enum(['none', 'fail', 'incomplete']).default('none'),
    /** Previous-run comparison and trend (src/history/, docs/audit-trail.md). */
    history: z
      .strictObject({
        /** `auto`, `none`, a report.json, a folder holding one, or an s3:// URL. */
        previous: nonEmpty.default('auto'),
        /** Runs kept in the report's trend; 0 turns it off. */
        keep: z.number().int().min(0).max(1000).default(10),
      })
      .default({ previous: 'auto', keep: 10 }),
    /** Signing of the evidence bundle's manifest (src/bundle/). */
    signing: z.strictObject({ keyFile: nonEmpty.optional() }).default({}),
    log: z
      .strictObject({
        level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
        format: z.enum(['text', 'json']).default('text'),
      })
      .default({ level: 'info', format: 'text' }),
    deliver: deliverConfigSchema.default({ retry: { attempts: 4, baseDelayMs: 1_000, maxDelayMs: 30_000 } }),
  })
  .superRefine((c, ctx) => {
    if (c.period.since && c.period.until && c.period.since > c.period.until) {
      ctx.addIssue({ code: 'custom', path: ['period', 'since'], message: 'is after period.until' });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
