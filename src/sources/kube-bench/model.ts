/**
 * The intermediate shape both kube-bench parsers (JSON and text) produce: targets (kube-bench's
 * "Controls": master, etcd, node...) holding checks, each with a locator back into the input.
 */

export const NATIVE_STATUSES = ['PASS', 'FAIL', 'WARN', 'INFO'] as const;
export type NativeStatus = (typeof NATIVE_STATUSES)[number];

export interface Counts {
  pass: number;
  fail: number;
  warn: number;
  info: number;
}

export interface ParsedCheck {
  id: string;
  text: string;
  status: NativeStatus;
  /** Group (section) id the check was listed under. */
  section?: string;
  audit?: string;
  auditEnv?: string;
  auditConfig?: string;
  /** kube-bench check type: '' (automated), `manual`, `skip`. */
  type?: string;
  remediation?: string;
  actual?: string;
  expected?: string;
  scored?: boolean;
  reason?: string;
  isMultiple?: boolean;
  /** RFC 6901 pointer (JSON inputs). */
  pointer?: string;
  /** 1-based line (text inputs). */
  line?: number;
}

export interface ParsedTarget {
  /** kube-bench's Controls id (`1`, `4`). */
  id: string;
  text: string;
  /** master, etcd, controlplane, node, policies, managedservices; absent when the input does not say. */
  nodeType?: string;
  /** JSON `version`: the benchmark kube-bench ran (`cis-1.23`, `1.6`, `eks-1.0`). */
  version?: string;
  /** JSON `detected_version`: the Kubernetes version kube-bench detected (`1.25`, `none`). */
  detectedVersion?: string;
  checks: ParsedCheck[];
  /** Counts the input itself declares for this target (total_* fields or a text Summary block). */
  declared?: Counts;
}

export type InputFormat =
  | 'kube-bench-json-controls'
  | 'kube-bench-json-array'
  | 'kube-bench-json-target'
  | 'kube-bench-jsonl'
  | 'kube-bench-text';

export interface ParsedDoc {
  format: InputFormat;
  targets: ParsedTarget[];
  /** Whole-input totals the input declares (`Totals`, `== Summary total ==`). */
  declaredTotals?: Counts;
}

export function countChecks(checks: readonly ParsedCheck[]): Counts {
  const c: Counts = { pass: 0, fail: 0, warn: 0, info: 0 };
  for (const k of checks) {
    if (k.status === 'PASS') c.pass++;
    else if (k.status === 'FAIL') c.fail++;
    else if (k.status === 'WARN') c.warn++;
    else c.info++;
  }
  return c;
}

export function sameCounts(a: Counts, b: Counts): boolean {
  return a.pass === b.pass && a.fail === b.fail && a.warn === b.warn && a.info === b.info;
}

export function formatCounts(c: Counts): string {
  return `${c.pass} PASS, ${c.fail} FAIL, ${c.warn} WARN, ${c.info} INFO`;
}
