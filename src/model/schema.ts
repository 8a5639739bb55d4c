import { z } from 'zod';
import {
  CONTROL_STATUSES,
  COVERAGES,
  FINDING_STATUSES,
  SEVERITIES,
  SOURCE_IDS,
  type ReportModel,
} from './types.ts';

/**
 * The report.json contract as a zod schema: `kubeproof render`, `diff` and fleet parse reports with
 * it, and schemas/report.schema.json is generated from it (a test checks the committed file matches).
 * Objects are open (passthrough) so a newer minor version stays readable.
 */

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const status = z.enum(FINDING_STATUSES);
const controlStatus = z.enum(CONTROL_STATUSES);
const severity = z.enum(SEVERITIES);
const source = z.enum(SOURCE_IDS);

const resourceRef = z.looseObject({
  kind: z.string(),
  name: z.string(),
  apiVersion: z.string().optional(),
  namespace: z.string().optional(),
  node: z.string().optional(),
});

const finding = z.looseObject({
  id: z.string(),
  source,
  ruleId: z.string(),
  ruleVariant: z.string().optional(),
  title: z.string(),
  status,
  nativeStatus: z.string(),
  severity,
  resource: resourceRef.optional(),
  message: z.string(),
  remediation: z.string().optional(),
  evidenceIds: z.array(z.string()),
  properties: z.record(z.string(), scalar).optional(),
});

const evidence = z.looseObject({
  id: z.string(),
  source,
  kind: z.enum(['scanner-output', 'api-object', 'audit-event', 'derived']),
  collectedAt: z.string(),
  locator: z.looseObject({
    file: z.string().optional(),
    pointer: z.string().optional(),
    line: z.number().optional(),
    apiPath: z.string().optional(),
    auditIds: z.array(z.string()).optional(),
    inputs: z.array(z.string()).optional(),
  }),
  sha256: z.string().optional(),
  excerpt: z.unknown(),
});

const waiverRef = z.looseObject({
  id: z.string(),
  reason: z.string(),
  owner: z.string(),
  approver: z.string().optional(),
  expires: z.string(),
  origin: z.string(),
});

const counts = z.looseObject({
  pass: z.number(),
  fail: z.number(),
  manual: z.number(),
  info: z.number(),
  error: z.number(),
  skipped: z.number(),
  waived: z.number(),
});

const controlResult = z.looseObject({
  controlId: z.string(),
  title: z.string(),
  family: z.string(),
  status: controlStatus,
  coverage: z.enum(COVERAGES),
  findingIds: z.array(z.string()),
  objectiveIds: z.array(z.string()),
  sources: z.array(source),
  counts,
  explanation: z.string(),
  waivers: z.array(waiverRef).optional(),
  attestation: z
    .looseObject({ by: z.string(), evidence: z.string(), date: z.string(), expires: z.string() })
    .optional(),
  baselines: z.array(z.string()).optional(),
});

const run = z.looseObject({
  source,
  status: z.enum(['ok', 'partial', 'failed', 'skipped']),
  error: z.looseObject({ code: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
  startedAt: z.string(),
  durationMs: z.number(),
  findingCount: z.number(),
  toolVersion: z.string().optional(),
  inputs: z.array(
    z.looseObject({
      path: z.string(),
      sha256: z.string().optional(),
      bytes: z.number().optional(),
      format: z.string().optional(),
    }),
  ),
  stats: z.record(z.string(), scalar).optional(),
  notes: z.array(z.string()),
});

const findingChange = z.looseObject({
  id: z.string(),
  source: z.string(),
  ruleId: z.string(),
  title: z.string(),
  resource: z.string().optional(),
  from: z.string(),
  to: z.string(),
});

const controlStatusOrAbsent = z.union([controlStatus, z.literal('absent')]);

/** One run of the trend (src/history/). */
export const historyEntrySchema = z.looseObject({
  reportId: z.string(),
  generatedAt: z.string(),
  cluster: z.string().optional(),
  frameworks: z.array(z.looseObject({ id: z.string(), counts: z.record(controlStatus, z.number()) })),
});
const historyEntry = historyEntrySchema;

export const reportModelSchema = z.looseObject({
  schemaVersion: z.string().regex(/^1\.\d+\.\d+$/, 'this kubeproof reads report schema 1.x'),
  reportId: z.string(),
  generatedAt: z.string(),
  tool: z.looseObject({ name: z.literal('kubeproof'), version: z.string() }),
  mappings: z.looseObject({ version: z.string(), sha256: z.string() }),
  cluster: z.looseObject({
    name: z.string(),
    nameSource: z.enum(['flag', 'config', 'kubeconfig', 'input', 'default']),
    serverVersion: z.string().optional(),
    nodeCount: z.number().optional(),
    platform: z.string().optional(),
  }),
  scope: z.looseObject({
    frameworks: z.array(z.string()),
    sources: z.array(source),
    period: z.looseObject({ from: z.string().optional(), to: z.string().optional() }),
    notApplicable: z.array(z.looseObject({ control: z.string(), reason: z.string() })),
  }),
  runs: z.array(run),
  frameworks: z.array(
    z.looseObject({
      id: z.string(),
      name: z.string(),
      version: z.string(),
      titleNote: z.string(),
      families: z.array(z.looseObject({ id: z.string(), title: z.string() })).optional(),
      summary: z.looseObject({
        total: z.number(),
        counts: z.record(controlStatus, z.number()),
        automated: z.number(),
        failingBySeverity: z.record(severity, z.number()),
      }),
      controls: z.array(controlResult),
    }),
  ),
  objectives: z.array(
    z.looseObject({
      id: z.string(),
      title: z.string(),
      severity,
      status: controlStatus,
      findingIds: z.array(z.string()),
      controls: z.array(z.string()),
    }),
  ),
  findings: z.array(finding),
  evidence: z.array(evidence),
  unmapped: z.array(z.looseObject({ findingId: z.string(), reason: z.string() })),
  deliveries: z.array(
    z.looseObject({
      kind: z.enum(['file', 'email', 's3']),
      target: z.string(),
      ok: z.boolean(),
      at: z.string(),
      id: z.string().optional(),
      error: z.string().optional(),
      artifacts: z.array(z.string()),
    }),
  ),
  governance: z
    .array(
      z.looseObject({
        kind: z.enum(['waiver', 'attestation']),
        id: z.string(),
        target: z.string(),
        owner: z.string(),
        expires: z.string(),
        file: z.string(),
        state: z.enum(['active', 'expiring', 'expired', 'unused']),
        uses: z.number(),
      }),
    )
    .optional(),
  diff: z
    .looseObject({
      previousReportId: z.string(),
      previousGeneratedAt: z.string(),
      previousLocation: z.string(),
      newFailures: z.array(findingChange),
      resolvedFailures: z.array(findingChange),
      controls: z.array(
        z.looseObject({
          framework: z.string(),
          controlId: z.string(),
          title: z.string(),
          from: controlStatusOrAbsent,
          to: controlStatusOrAbsent,
        }),
      ),
      counts: z.array(
        z.looseObject({
          framework: z.string(),
          from: z.partialRecord(controlStatus, z.number()),
          to: z.partialRecord(controlStatus, z.number()),
        }),
      ),
    })
    .optional(),
  history: z.array(historyEntry).optional(),
});

/** JSON Schema (draft 2020-12) of report.json, generated from reportModelSchema. */
export function reportJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(reportModelSchema, { target: 'draft-2020-12' }),
    $id: 'https://kubeproof.dev/schemas/report.schema.json',
    title: 'kubeproof report (report.json)',
  };
}

// Compile-time check that what the schema accepts is a ReportModel.
type Parsed = z.infer<typeof reportModelSchema>;
export const SCHEMA_MATCHES_MODEL: Parsed extends ReportModel ? true : false = true;
