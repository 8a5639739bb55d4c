/**
 * Native kube-bench status → kubeproof finding status. WARN is never a pass: kube-bench writes it
 * for manual checks (`type: manual`), for unscored checks whose test did not pass, and for audits
 * that could not run (`reason`: failed to run, command not found...). Those become `manual`
 * (a human must review) or `error` (the check did not run).
 */
import type { FindingStatus } from '../../model/types.ts';
import { redactText } from '../../util/redact.ts';
import type { ParsedCheck } from './model.ts';

export type WarnKind =
  | 'manual-check'
  | 'unscored-test-failed'
  | 'no-automated-test'
  | 'audit-error'
  | 'audit-output-error'
  | 'no-audit'
  | 'unverified';

export interface Classification {
  status: FindingStatus;
  warnKind?: WarnKind;
  /** The audit could not run (WARN → error; FAIL keeps `fail` but says so). */
  auditError: boolean;
  /** Redacted, capped reason shown in the message. */
  why?: string;
}

const MANUAL_REASON = 'Test marked as a manual test';
const RUN_FAILURE =
  /failed to run|command not found|not found|no such file|permission denied|exit status|timed out|unable to|error/i;
// Audit output that is an error message rather than the value checked (the audit ran but got nothing).
const OUTPUT_ERROR =
  /^(Error from server|error: |Unable to connect to the server|The connection to the server)|\bis forbidden\b|command not found/im;
const MANUAL_SUFFIX = /\((manual|not scored)\)\s*$/i;

/** Caps text at `max` characters, saying how much was cut. */
export function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim();
}

export function classify(c: ParsedCheck, fromText: boolean): Classification {
  const reason = c.reason && c.reason !== MANUAL_REASON ? c.reason : undefined;
  const safeReason = reason ? cap(redactText(reason.replace(/\s+/g, ' ').trim()), 300) : undefined;
  switch (c.status) {
    case 'PASS':
      return { status: 'pass', auditError: false };
    case 'INFO':
      return { status: 'info', auditError: false };
    case 'FAIL': {
      // Kept as fail (kube-bench counts it so, and a fail is never flattering), but flagged.
      const auditError = !!reason && RUN_FAILURE.test(reason);
      return { status: 'fail', auditError, ...(auditError && safeReason ? { why: safeReason } : {}) };
    }
    case 'WARN':
      break;
  }
  if (c.type === 'manual') {
    return {
      status: 'manual',
      warnKind: 'manual-check',
      auditError: false,
      why: 'kube-bench marks this check manual',
    };
  }
  if (reason && /missing (audit )?command/i.test(reason)) {
    return {
      status: 'error',
      warnKind: 'no-audit',
      auditError: true,
      why: 'no audit command ran for this check',
    };
  }
  // kube-bench's wording for a check without automated tests changed across releases.
  if (reason && /^(no tests defined|there are no tests)/i.test(reason)) {
    return {
      status: 'manual',
      warnKind: 'no-automated-test',
      auditError: false,
      why: 'the benchmark defines no automated test for it',
    };
  }
  if (reason && safeReason) {
    if (RUN_FAILURE.test(reason)) {
      return {
        status: 'error',
        warnKind: 'audit-error',
        auditError: true,
        why: `the audit could not run: ${safeReason}`,
      };
    }
    return { status: 'manual', warnKind: 'unscored-test-failed', auditError: false, why: safeReason };
  }
  if (fromText) {
    return MANUAL_SUFFIX.test(c.text)
      ? {
          status: 'manual',
          warnKind: 'manual-check',
          auditError: false,
          why: 'kube-bench reports WARN for this manual or unscored check',
        }
      : {
          status: 'manual',
          warnKind: 'unverified',
          auditError: false,
          why: 'kube-bench reports WARN and its text output gives no detail',
        };
  }
  if (!c.audit?.trim() && !c.auditConfig?.trim()) {
    return {
      status: 'error',
      warnKind: 'no-audit',
      auditError: true,
      why: 'no audit command ran for this check',
    };
  }
  if (c.actual && OUTPUT_ERROR.test(c.actual)) {
    return {
      status: 'error',
      warnKind: 'audit-output-error',
      auditError: true,
      why: `the audit command reported an error: ${cap(redactText(firstLine(c.actual)), 200)}`,
    };
  }
  const expected = c.expected?.trim() ? ` (expected ${cap(redactText(c.expected.trim()), 200)})` : '';
  return {
    status: 'manual',
    warnKind: 'unscored-test-failed',
    auditError: false,
    why: `its unscored automated test did not pass${expected}`,
  };
}
