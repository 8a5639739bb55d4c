import type { Assessment } from '../mapping/assess.ts';
import type { MappingBundle } from '../mapping/types.ts';
import type {
  ClusterInfo,
  Delivery,
  Evidence,
  Finding,
  GovernanceEntry,
  ReportModel,
  RunRecord,
  SourceId,
} from '../model/types.ts';
import { compareNatural } from '../util/compare.ts';
import { sha256Hex } from '../util/hash.ts';

/** Version of the report.json contract (schemas/report.schema.json). Bump on any breaking change. */
export const REPORT_SCHEMA_VERSION = '1.1.0';

export interface BuildReportInput {
  generatedAt: Date;
  toolVersion: string;
  cluster: ClusterInfo;
  sources: SourceId[];
  period: { from?: string; to?: string };
  notApplicable?: { control: string; reason: string }[];
  runs: RunRecord[];
  assessment: Assessment;
  evidence: Evidence[];
  mappings: MappingBundle;
  deliveries?: Delivery[];
  governance?: GovernanceEntry[];
}

/**
 * Assembles the ReportModel. Pure and deterministic: findings, evidence and runs in stable order; the
 * report id derives from the clock, the cluster and the content.
 */
export function buildReport(input: BuildReportInput): ReportModel {
  const findings = [...input.assessment.findings].sort(compareFindings);
  const evidence = [...input.evidence].sort((a, b) => cmp(a.id, b.id));
  const runs = [...input.runs].sort((a, b) => cmp(a.source, b.source));
  const generatedAt = input.generatedAt.toISOString();
  const contentHash = sha256Hex(
    [
      generatedAt,
      input.cluster.name,
      input.mappings.sha256,
      ...findings.map((f) => `${f.id}:${f.status}`),
    ].join('\n'),
  );
  const stamp = generatedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    reportId: `kp-${stamp}-${contentHash.slice(0, 8)}`,
    generatedAt,
    tool: { name: 'kubeproof', version: input.toolVersion },
    mappings: { version: input.mappings.version, sha256: input.mappings.sha256 },
    cluster: input.cluster,
    scope: {
      frameworks: input.assessment.frameworks.map((f) => f.id),
      sources: [...input.sources].sort(),
      period: input.period,
      notApplicable: input.notApplicable ?? [],
    },
    runs,
    frameworks: input.assessment.frameworks,
    objectives: input.assessment.objectives,
    findings,
    evidence,
    unmapped: [...input.assessment.unmapped].sort((a, b) => cmp(a.findingId, b.findingId)),
    deliveries: input.deliveries ?? [],
    ...(input.governance ? { governance: input.governance } : {}),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function resourceKey(f: Finding): string {
  const r = f.resource;
  return r ? `${r.kind}/${r.namespace ?? ''}/${r.name}/${r.node ?? ''}` : '';
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    cmp(a.source, b.source) ||
    cmp(a.ruleVariant ?? '', b.ruleVariant ?? '') ||
    compareRuleIds(a.ruleId, b.ruleId) ||
    cmp(resourceKey(a), resourceKey(b)) ||
    cmp(a.id, b.id)
  );
}

/** Orders `1.2.10` after `1.2.9`. */
export const compareRuleIds = compareNatural;
