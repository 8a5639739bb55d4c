import type { FrameworkDef, ObjectiveDef, RuleMapEntry, SourceId } from '../model/types.ts';

/**
 * Everything loaded from mappings/, validated. Lookups are precomputed; the bundle is read-only.
 */
export interface MappingBundle {
  /** `mappings/VERSION` (a date-based version) and the SHA-256 over every mapping file, sorted by path. */
  version: string;
  sha256: string;
  frameworks: FrameworkDef[];
  objectives: Map<string, ObjectiveDef>;
  /** Rule map key: `${source}|${variant ?? ''}|${ruleId}`; see ruleKey(). */
  rules: Map<string, RuleMapEntry>;
  /** kube-bench benchmark metadata: which benchmarks are known, with their check ids (for version inference). */
  benchmarks: Map<string, BenchmarkDef>;
}

export interface BenchmarkDef {
  /** kube-bench benchmark name, e.g. `cis-1.10`, `eks-1.5.0`, `eks-stig-kubernetes-v1r6`. */
  id: string;
  /** Kubernetes platform it targets: `generic`, `eks`, `gke`, `aks`, `openshift`, `stig`... */
  platform: string;
  /** Version strings kube-bench writes into its JSON `version` field for this benchmark (e.g. `1.6`, `cis-1.6`). */
  aliases: string[];
  /** Text fingerprints (see textFingerprint()) of each check, used to identify checks when the version is unknown. */
  fingerprints: Map<string, string>;
}

export function ruleKey(source: SourceId, variant: string | undefined, ruleId: string): string {
  return `${source}|${variant ?? ''}|${ruleId}`;
}
