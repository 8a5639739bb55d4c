/**
 * The intermediate shape every Kubescape layout is parsed into: per-(control, resource) results,
 * control metadata (name, score factor, declared counters) and resource identities, each with a
 * JSON pointer back into the input.
 */

export type KubescapeFormat =
  | 'kubescape-v2'
  | 'kubescape-v1-framework'
  | 'kubescape-v1-list'
  | 'kubescape-resource-controls'
  | 'kubescape-summary';

/** Fix and review locations a rule reports (Kubescape `paths[]` or v1 `failedPaths`/`fixPaths`). */
export interface RulePaths {
  failedPaths: string[];
  fixPaths: { path: string; value?: string }[];
  reviewPaths: string[];
  deletePaths: string[];
}

export interface ParsedRule {
  name: string;
  status: string;
  subStatus?: string;
  /** Names of the exception policies applied to this rule (Kubescape postureExceptionPolicy). */
  exceptions: string[];
}

/** One control evaluated against one resource. */
export interface ParsedResult {
  controlId: string;
  controlName?: string;
  /** Kubescape's resourceID, or a synthetic id when the layout names none. */
  resourceId: string;
  /** Control-level status as written (`failed`, `passed`, `excluded`...); absent when only rules carry one. */
  status?: string;
  subStatus?: string;
  info?: string;
  rules: ParsedRule[];
  paths: RulePaths;
  /** v1 alert message, when present. */
  message?: string;
  /** RFC 6901 pointer to the control entry inside the input. */
  pointer: string;
}

export interface DeclaredCounters {
  passed: number;
  failed: number;
  skipped: number;
  excluded: number;
}

export interface ControlMeta {
  id: string;
  name?: string;
  scoreFactor?: number;
  score?: number;
  status?: string;
  subStatus?: string;
  info?: string;
  counters?: DeclaredCounters;
  pointer: string;
}

export interface ResourceRefLite {
  kind: string;
  name: string;
  namespace?: string;
  apiVersion?: string;
}

export interface ResourceMeta {
  id: string;
  /** The primary object (for RBAC subjects: the subject); absent when unknown. */
  ref?: ResourceRefLite;
  /** Related objects (a subject's role and binding). */
  related: ResourceRefLite[];
  /** Source file of a file scan (`source.relativePath` or the object's `sourcePath`). */
  sourcePath?: string;
  pointer: string;
}

export interface ParsedDoc {
  format: KubescapeFormat;
  results: ParsedResult[];
  controls: Map<string, ControlMeta>;
  resources: Map<string, ResourceMeta>;
  frameworks: string[];
  /** Attack-track prioritisation per resourceID (`results[].prioritizedResource`). */
  priorities: Map<string, { score?: number; severity?: number }>;
  clusterName?: string;
  toolVersion?: string;
  /** Absent when the input carries Go's zero time (`0001-01-01T00:00:00Z`) or none. */
  generationTime?: string;
  /** `clusterAPIServerInfo.gitVersion` (cluster scans). */
  serverVersion?: string;
  /** `clusterCloudProvider` (`EKS`, `GKE`, `AKS`...). */
  platform?: string;
}
