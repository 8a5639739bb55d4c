/**
 * Core types of kubeproof. Definitions (mapping data) and results (what a run computed) are
 * different types. Every later capability plugs into these shapes: a source produces Findings
 * and Evidence, assess() turns them into ControlResults, buildReport() assembles the ReportModel,
 * renderers read only the ReportModel, deliverers ship Artifacts.
 */

/** Finding status, normalized from each tool's native status. */
export const FINDING_STATUSES = ['pass', 'fail', 'manual', 'info', 'error', 'skipped', 'waived'] as const;
/**
 * - pass / fail: an automated check ran and passed / failed.
 * - manual: the check needs a human review (kube-bench WARN on a manual check, Kubescape manual review).
 * - info: informational, never counts for or against a control.
 * - error: the check could not run (audit command failed, scanner error): counts as "did not run".
 * - skipped: the scanner did not evaluate it (irrelevant, not applicable to this resource): "did not run".
 * - waived: the scanner itself excepted a failure (a Kubescape exception); carried with its reason.
 */
export type FindingStatus = (typeof FINDING_STATUSES)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Control status, computed per framework control (ARCHITECTURE.md section 2). */
export const CONTROL_STATUSES = [
  'fail',
  'pass',
  'waived',
  'incomplete',
  'manual',
  'attested',
  'not-assessed',
  'not-applicable',
] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

export const COVERAGES = ['full', 'partial', 'none'] as const;
export type Coverage = (typeof COVERAGES)[number];

export const RELATIONSHIPS = ['equal', 'subset', 'superset', 'intersects'] as const;
/** How an objective relates to a control: objective ⊂ control is `subset`. */
export type Relationship = (typeof RELATIONSHIPS)[number];

/** Source ids; one folder per source under src/sources/. */
export const SOURCE_IDS = ['kube-bench', 'kubescape', 'rbac', 'workloads', 'audit-log'] as const;
export type SourceId = (typeof SOURCE_IDS)[number];

/** What a finding is about. Cluster-scoped objects have no namespace; kube-bench checks name a node. */
export interface ResourceRef {
  kind: string;
  name: string;
  apiVersion?: string;
  namespace?: string;
  /** Node the finding was observed on (kube-bench: the node the check ran on). */
  node?: string;
}

export type EvidenceKind = 'scanner-output' | 'api-object' | 'audit-event' | 'derived';

/** Where a piece of evidence came from, precise enough for an auditor to find the original bytes. */
export interface Locator {
  /** Input file as given on the command line (or `-` for stdin). */
  file?: string;
  /** RFC 6901 JSON pointer into the file, for JSON inputs. */
  pointer?: string;
  /** 1-based line number, for text inputs and JSON-lines. */
  line?: number;
  /** Kubernetes API path the object was read from (`/api/v1/namespaces/x/pods/y`). */
  apiPath?: string;
  /** Audit event ids. */
  auditIds?: string[];
  /**
   * For derived evidence (a view computed over many objects or events, e.g. RBAC who-can): the inputs of
   * the same source's run it was computed from, as in `runs[].inputs[].path` (their hashes are there).
   */
  inputs?: string[];
}

export interface Evidence {
  /** Stable hash of source + locator. */
  id: string;
  source: SourceId;
  kind: EvidenceKind;
  collectedAt: string;
  locator: Locator;
  /** SHA-256 (hex) of the original bytes of the input this evidence was cut from. */
  sha256?: string;
  /** Redacted, size-capped excerpt of the original (never a secret value or a request body). */
  excerpt: unknown;
}

export type Scalar = string | number | boolean | null;

export interface Finding {
  /** Stable hash of source + ruleId + ruleVariant + resource. */
  id: string;
  source: SourceId;
  /** The tool's native rule id: `1.2.1`, `V-242390`, `C-0057`, `rbac.wildcard-verbs`. */
  ruleId: string;
  /**
   * Which rule set the ruleId belongs to when ids are not globally unique:
   * the kube-bench benchmark (`cis-1.10`, `eks-1.5.0`, `eks-stig-kubernetes-v1r6`). Absent otherwise.
   */
  ruleVariant?: string;
  title: string;
  status: FindingStatus;
  /** The tool's own status word, verbatim (`WARN`, `failed`, `excluded`). */
  nativeStatus: string;
  severity: Severity;
  resource?: ResourceRef;
  /** One sentence: what was found. For non-pass statuses it says why (e.g. which manual review). */
  message: string;
  remediation?: string;
  evidenceIds: string[];
  /** Source-specific attributes kept as evidence (benchmark, node type, scored, identification). */
  properties?: Record<string, Scalar>;
}

/** One entry of `runs[]`: what each source did in this run. */
export interface RunRecord {
  source: SourceId;
  status: 'ok' | 'partial' | 'failed' | 'skipped';
  /** Why it failed, was partial or skipped; never contains a credential. */
  error?: { code: string; message: string; hint?: string };
  startedAt: string;
  durationMs: number;
  findingCount: number;
  /** Version of the tool that produced the input (kube-bench, Kubescape) or of kubeproof itself. */
  toolVersion?: string;
  inputs: InputRecord[];
  /** Source-specific statistics (audit-log: lines, requests, malformed, first/last timestamp). */
  stats?: Record<string, Scalar>;
  notes: string[];
}

export interface InputRecord {
  /** File path, `-` for stdin, or an API server URL. */
  path: string;
  sha256?: string;
  bytes?: number;
  /** Detected layout, e.g. `kube-bench-json-controls`, `kube-bench-text`. */
  format?: string;
}

/* ---------------- Mapping definitions (loaded from mappings/) ---------------- */

export interface FrameworkDef {
  /** `pci-dss-4.0.1`, `soc2-2017`, `iso27001-2022`, `nist-800-53-r5`. */
  id: string;
  name: string;
  version: string;
  publisher: string;
  /** Where the authoritative text lives (kubeproof ships ids and paraphrased short titles only). */
  url?: string;
  titleNote: string;
  families: { id: string; title: string }[];
  /**
   * Optional headings between family and control (PCI DSS `x.y`), for grouping in reports. A control
   * belongs to the section whose id followed by `.` prefixes its id (`1.2` holds `1.2.1`).
   */
  sections?: { id: string; title: string }[];
  controls: ControlDef[];
}

export interface ControlDef {
  id: string;
  title: string;
  family: string;
  parent?: string;
  /** NIST baselines this control belongs to: low, moderate, high, privacy. */
  baselines?: string[];
  /**
   * `organisational`: only organisational evidence (policy, process, records) can satisfy it, so
   * without linked automated checks its status is `manual`, never `not-assessed`.
   */
  assessment?: 'organisational';
}

export interface ObjectiveLink {
  /** Full control ref: `<framework>/<control>`, e.g. `nist-800-53-r5/AC-6(9)`. */
  control: string;
  relationship: Relationship;
  coverage: Exclude<Coverage, 'none'>;
  rationale: string;
}

export interface ObjectiveDef {
  /** Stable id of what is checked, e.g. `k8s.apiserver.anonymous-auth-disabled`. */
  id: string;
  title: string;
  description?: string;
  severity: Severity;
  /** File it was defined in, for error messages. */
  file: string;
  reviewed: string;
  links: ObjectiveLink[];
}

/** A source's rule → objective entry. */
export interface RuleMapEntry {
  source: SourceId;
  variant?: string;
  ruleId: string;
  objectives: string[];
  /** Present when explicitly out of scope (no objective), with the reason. */
  outOfScope?: string;
}

/* ---------------- Results ---------------- */

export interface ControlCounts {
  pass: number;
  fail: number;
  manual: number;
  info: number;
  error: number;
  skipped: number;
  waived: number;
}

export interface WaiverRef {
  id: string;
  reason: string;
  owner: string;
  approver?: string;
  expires: string;
  /** `kubeproof` for a kubeproof waiver file, `kubescape` for a scanner exception. */
  origin: string;
}

export interface ControlResult {
  /** The control's id inside its framework (`7.2.1`, `CC6.1`, `A.8.2`, `AC-6(9)`). */
  controlId: string;
  title: string;
  family: string;
  status: ControlStatus;
  coverage: Coverage;
  /** Findings behind this status, sorted, failing first. */
  findingIds: string[];
  objectiveIds: string[];
  /** Sources whose rules reach this control (through objectives). */
  sources: SourceId[];
  counts: ControlCounts;
  /** One sentence: why this status. */
  explanation: string;
  waivers?: WaiverRef[];
  attestation?: { by: string; evidence: string; date: string; expires: string };
  baselines?: string[];
}

export interface FrameworkSummary {
  total: number;
  counts: Record<ControlStatus, number>;
  /** Controls that automated evidence touched (pass, fail, waived, incomplete). */
  automated: number;
  /** Controls with at least one failing finding, by the highest failing severity. */
  failingBySeverity: Record<Severity, number>;
}

export interface FrameworkResult {
  id: string;
  name: string;
  version: string;
  titleNote: string;
  /** Family (requirement, series, theme) titles of the catalogue. */
  families?: { id: string; title: string }[];
  summary: FrameworkSummary;
  controls: ControlResult[];
}

export interface ObjectiveResult {
  id: string;
  title: string;
  severity: Severity;
  status: ControlStatus;
  findingIds: string[];
  controls: string[];
}

export interface UnmappedFinding {
  findingId: string;
  reason: string;
}

export interface ClusterInfo {
  name: string;
  /** How the name was chosen: flag, kubeconfig context, input file, or default. */
  nameSource: 'flag' | 'config' | 'kubeconfig' | 'input' | 'default';
  serverVersion?: string;
  /** Nodes that kube-bench results came from (not the cluster's size: workers may be sampled). */
  nodeCount?: number;
  platform?: string;
}

export interface Delivery {
  kind: 'file' | 'email' | 's3';
  target: string;
  ok: boolean;
  at: string;
  id?: string;
  error?: string;
  artifacts: string[];
}

export interface ReportModel {
  schemaVersion: string;
  reportId: string;
  generatedAt: string;
  tool: { name: 'kubeproof'; version: string };
  mappings: { version: string; sha256: string };
  cluster: ClusterInfo;
  scope: {
    frameworks: string[];
    sources: SourceId[];
    period: { from?: string; to?: string };
    notApplicable: { control: string; reason: string }[];
  };
  runs: RunRecord[];
  frameworks: FrameworkResult[];
  objectives: ObjectiveResult[];
  findings: Finding[];
  evidence: Evidence[];
  unmapped: UnmappedFinding[];
  deliveries: Delivery[];
  /** Waivers and attestations in force for this run, with their state (active, expiring, expired, unused). */
  governance?: GovernanceEntry[];
  /** Changes since the previous run of the same cluster (`--previous`), absent on a first run. */
  diff?: RunDiff;
  /** Control status counts of the last N runs, oldest first, this run last (`--history N`). */
  history?: HistoryEntry[];
  /**
   * The evidence bundle's manifest, for the email. NEVER present in report.json: the manifest hashes
   * report.json, so it is computed after it; it is set only on the in-memory model handed to deliverers.
   */
  bundle?: BundleRef;
}

/** One run in the trend: counts per framework. */
export interface HistoryEntry {
  reportId: string;
  generatedAt: string;
  /** Cluster name; entries of other clusters are never mixed into a trend. */
  cluster?: string;
  frameworks: { id: string; counts: Record<ControlStatus, number> }[];
}

/** A finding that started or stopped failing between two runs. */
export interface FindingChangeRef {
  id: string;
  source: string;
  ruleId: string;
  title: string;
  resource?: string;
  from: string;
  to: string;
}

/**
 * Changes since the previous run. `previousReportId`, `previousGeneratedAt` and `controls` are the shape the
 * email summary reads; the rest is the `kubeproof diff` result (src/report/diff.ts) of the two reports.
 */
export interface RunDiff {
  previousReportId: string;
  previousGeneratedAt: string;
  /** Where the previous report was read from: a file path or an s3:// URI. */
  previousLocation: string;
  newFailures: FindingChangeRef[];
  resolvedFailures: FindingChangeRef[];
  controls: ControlChange[];
  counts: StatusCountChange[];
}

/** A control whose status differs between two reports (`absent`: not in that report). */
export interface ControlChange {
  framework: string;
  controlId: string;
  title: string;
  from: ControlStatus | 'absent';
  to: ControlStatus | 'absent';
}

/** A framework's control counts per status in the older and the newer report. */
export interface StatusCountChange {
  framework: string;
  from: Partial<Record<ControlStatus, number>>;
  to: Partial<Record<ControlStatus, number>>;
}

/** Citation of the evidence bundle (see docs/audit-trail.md). */
export interface BundleRef {
  manifestSha256: string;
  /** `SHA256:<base64>` of the signing public key; absent when the manifest is unsigned. */
  keyFingerprint?: string;
}

export interface GovernanceEntry {
  kind: 'waiver' | 'attestation';
  id: string;
  /** `<framework>/<control>` or `<source>:<ruleId>`. */
  target: string;
  owner: string;
  expires: string;
  file: string;
  state: 'active' | 'expiring' | 'expired' | 'unused';
  uses: number;
}

/** A rendered output file. */
export interface Artifact {
  filename: string;
  mediaType: string;
  body: Uint8Array | string;
}

/** What a deliverer returns for each target. */
export interface Receipt {
  kind: Delivery['kind'];
  /** The target with any credential removed. */
  target: string;
  ok: boolean;
  id?: string;
  error?: string;
  artifacts: string[];
}
