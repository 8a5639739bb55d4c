import type { Finding, ReportModel, WaiverRef } from '../model/types.ts';

/**
 * Failing findings that count only in waived controls, with the kubeproof waivers that cover them there.
 * A finding that still counts in any control that is not waived is left out: it is not waived as a whole,
 * so formats with a per-finding (SARIF) or per-rule (HDF) waiver field do not mark it.
 */
export function fullyWaivedFindings(model: ReportModel): Map<string, WaiverRef[]> {
  const waivers = new Map<string, Map<string, WaiverRef>>();
  const unwaived = new Set<string>();
  for (const fw of model.frameworks) {
    for (const c of fw.controls) {
      for (const id of c.findingIds) {
        if (c.status === 'waived' && c.waivers?.length) {
          const m = waivers.get(id) ?? new Map<string, WaiverRef>();
          for (const w of c.waivers) m.set(w.id, w);
          waivers.set(id, m);
        } else unwaived.add(id);
      }
    }
  }
  const failing = new Set(model.findings.filter((f: Finding) => f.status === 'fail').map((f) => f.id));
  const out = new Map<string, WaiverRef[]>();
  for (const [id, m] of waivers) if (failing.has(id) && !unwaived.has(id)) out.set(id, [...m.values()]);
  return out;
}

/** `W-1: reason (owner x, approved by y, expires z)`. */
export function waiverText(w: WaiverRef): string {
  return `${w.id}: ${w.reason} (owner ${w.owner}${w.approver ? `, approved by ${w.approver}` : ''}, expires ${w.expires})`;
}
