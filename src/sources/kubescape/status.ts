/**
 * Kubescape statuses → finding statuses, and score factors → severities.
 *
 * Kubescape writes a status and, since 2023, a sub-status (opa-utils reporthandling/apis):
 * `passed` (sub-status `w/exceptions` or `irrelevant`), `failed`, `skipped` (sub-status
 * `configuration`, `integration`, `requires review`, `manual review`), and, in older releases,
 * `excluded`, `irrelevant`, `error`, `warning`, or an empty status.
 */
import type { FindingStatus, Severity } from '../../model/types.ts';
import type { ParsedRule } from './model.ts';

export interface Classified {
  status: FindingStatus;
  /** The native status word(s), for `nativeStatus`: `failed`, `passed/w/exceptions`. */
  native: string;
  /** Why a non-pass, non-fail status (the exception's policy name, the sub-status meaning). */
  reason?: string;
}

const norm = (s: string | undefined): string => (s ?? '').trim().toLowerCase();

/** Rank used to derive a control's status from its rules (Kubescape's own order, exceptions kept). */
const RANK: Record<string, number> = {
  failed: 5,
  error: 4,
  excluded: 3,
  skipped: 2,
  passed: 1,
  irrelevant: 0,
};

/** Normalised status of one rule: a failed rule carrying exceptions is excluded (opa-utils rules.go). */
export function ruleStatus(r: ParsedRule): string {
  const s = norm(r.status);
  if ((s === 'failed' || s === 'excluded' || s === 'warning') && r.exceptions.length > 0) return 'excluded';
  if (s === 'warning') return 'excluded';
  if (s === '' || s === 'unknown' || s === 'ignored') return 'skipped';
  return s;
}

/** A control's status derived from its rules, when the control itself carries none. */
export function deriveFromRules(rules: readonly ParsedRule[]): { status: string; subStatus?: string } {
  if (rules.length === 0) return { status: 'skipped', subStatus: 'no rule result' };
  let best = 'irrelevant';
  let sub: string | undefined;
  for (const r of rules) {
    const s = ruleStatus(r);
    if ((RANK[s] ?? 2) > (RANK[best] ?? 0)) {
      best = s;
      sub = r.subStatus;
    } else if (s === best && !sub && r.subStatus) sub = r.subStatus;
  }
  return { status: best, ...(sub ? { subStatus: sub } : {}) };
}

/**
 * Classifies a control result. `exceptions` are the policy names that excepted it (any rule).
 * Exceptions never read as pass: Kubescape ≥ 2.3 reports an excepted failure as `passed` with
 * sub-status `w/exceptions`, older releases as `excluded`; both become `waived` with the policy name.
 */
export function classifyStatus(
  statusIn: string | undefined,
  subStatusIn: string | undefined,
  exceptions: readonly string[],
  info?: string,
): Classified {
  const status = norm(statusIn);
  const sub = norm(subStatusIn);
  const native = sub ? `${status || '(none)'}/${sub}` : status || '(none)';
  const policies = [...new Set(exceptions)].sort();
  const exceptionReason = (): string =>
    policies.length > 0
      ? `Kubescape exception ${policies.map((p) => `"${p}"`).join(', ')}`
      : 'Kubescape exception (no policy name in the output)';
  const detail = info?.trim() ? `: ${info.trim()}` : '';
  if (status === 'failed') return { status: 'fail', native };
  if (status === 'excluded' || status === 'warning' || sub === 'w/exceptions') {
    return { status: 'waived', native, reason: exceptionReason() };
  }
  if (status === 'passed' || status === 'success') {
    if (sub === 'irrelevant') {
      return {
        status: 'skipped',
        native,
        reason: `Kubescape found no resource this control applies to${detail}`,
      };
    }
    return { status: 'pass', native };
  }
  if (status === 'irrelevant') {
    return {
      status: 'skipped',
      native,
      reason: `Kubescape found no resource this control applies to${detail}`,
    };
  }
  // `manual review`, `requires review`, and the spellings of other releases (`manual`, `requiresReview`...)
  const folded = sub.replace(/[\s_-]+/g, '');
  if (folded === 'manualreview' || folded === 'manual' || folded === 'requiresreview') {
    return {
      status: 'manual',
      native,
      reason: `Kubescape marks this control for ${folded === 'requiresreview' ? 'review' : 'manual review'}${detail}`,
    };
  }
  if (status === 'skipped') {
    const why =
      sub === 'configuration'
        ? 'the control needs configuration Kubescape did not have'
        : sub === 'integration'
          ? 'the control needs an integration (for example an image scanner) that was not available'
          : 'Kubescape skipped it';
    return { status: 'skipped', native, reason: `${why}${detail}` };
  }
  if (status === 'error')
    return { status: 'error', native, reason: `Kubescape could not evaluate it${detail}` };
  return { status: 'skipped', native, reason: `Kubescape reported no usable status (${native})${detail}` };
}

/** Kubescape's score factor → severity (opa-utils ControlSeverityToInt: ≥9 critical, ≥7 high, ≥4 medium, ≥1 low). */
export function severityFromScore(scoreFactor: number | undefined): Severity {
  if (scoreFactor === undefined || !Number.isFinite(scoreFactor)) return 'unknown';
  if (scoreFactor >= 9) return 'critical';
  if (scoreFactor >= 7) return 'high';
  if (scoreFactor >= 4) return 'medium';
  if (scoreFactor >= 1) return 'low';
  return 'unknown';
}

/** Kubescape's severity words (operator CRDs write `High`, `Critical`...) → severity. */
export function severityFromWord(word: string | undefined): Severity | undefined {
  const w = norm(word);
  return w === 'critical' || w === 'high' || w === 'medium' || w === 'low' ? w : undefined;
}
