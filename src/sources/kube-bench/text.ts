/**
 * kube-bench's default text output (what `kubectl logs job/kube-bench` prints), parsed into targets.
 *
 * Per target kube-bench prints `[INFO] <id> <text>` for the target and for each group, then
 * `[STATE] <id> <text>` per check, then `== Remediations <target> ==` (for FAIL and WARN checks:
 * `<id> <remediation>`, or `<id> audit test did not run: <reason>` when the audit failed) and
 * `== Summary <target> ==` with `N checks PASS|FAIL|WARN|INFO`; at the end `== Summary total ==`.
 * Old releases print `== Remediations ==` / `== Summary ==` without the target name.
 * INFO checks and group headers both start with `[INFO]`: a line is a group header when it directly
 * follows the target header or its numeric id is not deeper than the current group's id.
 */
import { InputError } from '../../errors.ts';
import type { Counts, NativeStatus, ParsedCheck, ParsedDoc, ParsedTarget } from './model.ts';

const STATUS_LINE = /^\[(PASS|FAIL|WARN|INFO)\]\s+(\S+)\s+(.*)$/;
const SECTION_LINE = /^==\s*(Remediations|Summary)(?:\s+(\S+))?\s*==$/;
const COUNT_LINE = /^(\d+)\s+checks?\s+(PASS|FAIL|WARN|INFO)\s*$/;
const DID_NOT_RUN = 'audit test did not run:';
// ANSI colour codes (kube-bench colours its output on a terminal).
const ANSI = new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g');

/** True when the text looks like kube-bench text output (a status line near the top). */
export function looksLikeKubeBenchText(text: string): boolean {
  const head = text.slice(0, 4096).replace(ANSI, '');
  return /^\[(PASS|FAIL|WARN|INFO)\]\s+\S+/m.test(head);
}

function depth(id: string): number | undefined {
  return /^\d+(\.\d+)*$/.test(id) ? id.split('.').length : undefined;
}

/** Guess a target's node type from its heading when the Summary line does not name it (old output). */
function nodeTypeFromHeading(text: string): string | undefined {
  const t = text.toLowerCase();
  if (t.includes('etcd')) return 'etcd';
  // kube-bench's master target: "Master Node Security Configuration", later "Control Plane Security
  // Configuration" (the controlplane target is "Control Plane Configuration").
  if (
    t.includes('master') ||
    t.includes('control plane security') ||
    t.includes('control plane components')
  ) {
    return 'master';
  }
  if (t.includes('worker') || /\bnode\b/.test(t)) return 'node';
  if (t.includes('control plane configuration')) return 'controlplane';
  if (t.includes('polic')) return 'policies';
  if (t.includes('managed')) return 'managedservices';
  return undefined;
}

interface Building {
  target: ParsedTarget;
  group?: string;
  /** Previous line was the target header. */
  afterHeader: boolean;
}

/**
 * Parses kube-bench text output. Throws InputError when no check or target line is found.
 * Remediation lines that say the audit did not run become the check's `reason`.
 */
export function parseKubeBenchText(file: string, input: string): ParsedDoc {
  const lines = input.replace(ANSI, '').split(/\r?\n/);
  const targets: ParsedTarget[] = [];
  let cur: Building | undefined;
  let mode: 'checks' | 'remediations' | 'summary' | 'total' = 'checks';
  let summaryCounts: Counts | undefined;
  let totals: Counts | undefined;
  let remTarget: ParsedTarget | undefined;
  let remCheck: ParsedCheck | undefined;
  let remLines: string[] = [];

  const flushRemediation = (): void => {
    if (!remCheck) return;
    const body = remLines.join('\n').trim();
    if (body.startsWith(DID_NOT_RUN)) remCheck.reason = body.slice(DID_NOT_RUN.length).trim();
    else if (body) remCheck.remediation = body;
    remCheck = undefined;
    remLines = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.trimEnd();
    const lineNo = i + 1;
    const section = SECTION_LINE.exec(line.trim());
    if (section) {
      flushRemediation();
      const which = section[1];
      const name = section[2];
      if (which === 'Remediations') {
        mode = 'remediations';
        remTarget = cur?.target;
        if (cur && name && !cur.target.nodeType) cur.target.nodeType = name;
      } else if (name === 'total') {
        mode = 'total';
        totals = { pass: 0, fail: 0, warn: 0, info: 0 };
      } else {
        mode = 'summary';
        summaryCounts = { pass: 0, fail: 0, warn: 0, info: 0 };
        if (cur) {
          if (name) cur.target.nodeType = name;
          else cur.target.nodeType ??= nodeTypeFromHeading(cur.target.text);
          cur.target.declared = summaryCounts;
          targets.push(cur.target);
          cur = undefined;
        } else {
          // A Summary with no target before it: keep its counts on an empty placeholder target.
          targets.push({
            id: '',
            text: '',
            checks: [],
            declared: summaryCounts,
            ...(name ? { nodeType: name } : {}),
          });
        }
      }
      continue;
    }
    const status = STATUS_LINE.exec(line);
    if (status) {
      flushRemediation();
      const st = status[1] as NativeStatus;
      const id = status[2] as string;
      const text = (status[3] ?? '').trim();
      // Without Summary blocks (--nosummary) a target ends at its Remediations block, or where the
      // next top-level heading (`[INFO] 4 ...`, a new target id) starts.
      const newTarget =
        cur !== undefined &&
        (mode === 'remediations' ||
          (st === 'INFO' && !cur.afterHeader && depth(id) === 1 && id !== cur.target.id));
      if (cur && newTarget) {
        cur.target.nodeType ??= nodeTypeFromHeading(cur.target.text);
        targets.push(cur.target);
        cur = undefined;
      }
      mode = 'checks';
      if (!cur) {
        // The first line of a target is its header.
        cur = { target: { id, text, checks: [] }, afterHeader: true };
        continue;
      }
      if (st === 'INFO') {
        const d = depth(id);
        const gd = cur.group === undefined ? undefined : depth(cur.group);
        if (cur.afterHeader || (d !== undefined && (gd === undefined || d <= gd))) {
          cur.group = id;
          cur.afterHeader = false;
          continue;
        }
      }
      cur.afterHeader = false;
      cur.target.checks.push({
        id,
        text,
        status: st,
        line: lineNo,
        ...(cur.group ? { section: cur.group } : {}),
      });
      continue;
    }
    if (mode === 'remediations') {
      const m = /^(\S+)\s(.*)$/.exec(line);
      const match =
        m && remTarget?.checks.find((c) => c.id === m[1] && (c.status === 'FAIL' || c.status === 'WARN'));
      if (m && match && !match.remediation && match.reason === undefined) {
        flushRemediation();
        remCheck = match;
        remLines = [m[2] ?? ''];
      } else if (remCheck) {
        remLines.push(line);
      }
      continue;
    }
    const count = COUNT_LINE.exec(line.trim());
    if (count && (mode === 'summary' || mode === 'total')) {
      const bucket = mode === 'summary' ? summaryCounts : totals;
      const key = (count[2] as string).toLowerCase() as keyof Counts;
      if (bucket) bucket[key] = Number(count[1]);
    }
  }
  flushRemediation();
  if (cur) {
    cur.target.nodeType ??= nodeTypeFromHeading(cur.target.text);
    targets.push(cur.target);
  }
  const real = targets.filter((t) => t.id !== '' || t.checks.length > 0 || t.declared);
  if (real.length === 0 || !real.some((t) => t.id !== '')) {
    throw new InputError(file, 'no kube-bench result lines found', {
      hint: 'expected lines like "[PASS] 1.2.1 ..." (kube-bench text output) or kube-bench --json output',
    });
  }
  const doc: ParsedDoc = { format: 'kube-bench-text', targets: real };
  if (totals) doc.declaredTotals = totals;
  return doc;
}
