import { fileURLToPath } from 'node:url';
import { assess } from '../../src/mapping/assess.ts';
import { loadMappings } from '../../src/mapping/load.ts';
import type { Finding, FindingStatus, ReportModel, RunRecord } from '../../src/model/types.ts';
import { buildReport } from '../../src/report/build.ts';

export const MINI_MAPPINGS = fileURLToPath(new URL('../fixtures/mappings-mini/', import.meta.url));

export function kbFinding(
  ruleId: string,
  status: FindingStatus,
  node: string,
  variant = 'cis-1.10',
): Finding {
  return {
    id: `f-${variant}-${ruleId}-${node}`,
    source: 'kube-bench',
    ruleId,
    ruleVariant: variant,
    title: `check ${ruleId}`,
    status,
    nativeStatus: status === 'manual' ? 'WARN' : status.toUpperCase(),
    severity: 'unknown',
    resource: { kind: 'Node', name: node, node },
    message: `check ${ruleId} ${status}`,
    evidenceIds: [],
  };
}

/** A small deterministic report over the mini mappings. */
export async function miniReport(findings: Finding[], at: string): Promise<ReportModel> {
  const mappings = await loadMappings(MINI_MAPPINGS);
  const runs: RunRecord[] = [
    {
      source: 'kube-bench',
      status: 'ok',
      startedAt: at,
      durationMs: 5,
      findingCount: findings.length,
      inputs: [],
      notes: [],
    },
  ];
  const assessment = assess(findings, mappings, { frameworks: ['pci-dss-4.0.1', 'nist-800-53-r5'], runs });
  return buildReport({
    generatedAt: new Date(at),
    toolVersion: '0.0.0-test',
    cluster: { name: 'test-cluster', nameSource: 'flag' },
    sources: ['kube-bench'],
    period: {},
    runs,
    assessment,
    evidence: [],
    mappings,
  });
}
