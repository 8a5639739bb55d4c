import type { ControlChange, Finding, ReportModel, StatusCountChange } from '../model/types.ts';

/** Changes between two reports of the same cluster (`kubeproof diff`, and "since the previous run"). */
export interface ReportDiff {
  from: { reportId: string; generatedAt: string };
  to: { reportId: string; generatedAt: string };
  /** Failing findings in the new report that were not failing in the old one. */
  newFailures: FindingChange[];
  /** Findings failing before that no longer fail (passing, or gone). */
  resolvedFailures: FindingChange[];
  controlChanges: ControlChange[];
  counts: StatusCountChange[];
}

export interface FindingChange {
  id: string;
  source: string;
  ruleId: string;
  title: string;
  resource?: string;
  from: string;
  to: string;
}

const resourceLabel = (f: Finding): string | undefined =>
  f.resource ? [f.resource.kind, f.resource.namespace, f.resource.name].filter(Boolean).join('/') : undefined;

/** Pure: compares two reports. Findings are matched by their stable id. */
export function diffReports(oldR: ReportModel, newR: ReportModel): ReportDiff {
  const oldF = new Map(oldR.findings.map((f) => [f.id, f]));
  const newF = new Map(newR.findings.map((f) => [f.id, f]));
  const change = (f: Finding, from: string, to: string): FindingChange => {
    const r = resourceLabel(f);
    return {
      id: f.id,
      source: f.source,
      ruleId: f.ruleId,
      title: f.title,
      from,
      to,
      ...(r ? { resource: r } : {}),
    };
  };
  const newFailures: FindingChange[] = [];
  for (const f of newR.findings) {
    const before = oldF.get(f.id);
    if (f.status === 'fail' && before?.status !== 'fail')
      newFailures.push(change(f, before?.status ?? 'absent', 'fail'));
  }
  const resolvedFailures: FindingChange[] = [];
  for (const f of oldR.findings) {
    const after = newF.get(f.id);
    if (f.status === 'fail' && after?.status !== 'fail')
      resolvedFailures.push(change(f, 'fail', after?.status ?? 'absent'));
  }
  const controlChanges: ReportDiff['controlChanges'] = [];
  const counts: ReportDiff['counts'] = [];
  for (const fw of newR.frameworks) {
    const prev = oldR.frameworks.find((f) => f.id === fw.id);
    const prevControls = new Map((prev?.controls ?? []).map((c) => [c.controlId, c]));
    for (const c of fw.controls) {
      const p = prevControls.get(c.controlId);
      if (!p || p.status !== c.status) {
        controlChanges.push({
          framework: fw.id,
          controlId: c.controlId,
          title: c.title,
          from: p?.status ?? 'absent',
          to: c.status,
        });
      }
    }
    counts.push({ framework: fw.id, from: prev?.summary.counts ?? {}, to: fw.summary.counts });
  }
  return {
    from: { reportId: oldR.reportId, generatedAt: oldR.generatedAt },
    to: { reportId: newR.reportId, generatedAt: newR.generatedAt },
    newFailures,
    resolvedFailures,
    controlChanges,
    counts,
  };
}

/** Plain-text rendering of a diff for the terminal and the email. */
export function diffText(d: ReportDiff, max = 50): string {
  const lines: string[] = [];
  lines.push(
    `Changes from ${d.from.reportId} (${d.from.generatedAt}) to ${d.to.reportId} (${d.to.generatedAt})`,
  );
  lines.push('');
  for (const c of d.counts) {
    const keys = ['pass', 'fail', 'waived', 'incomplete', 'manual', 'attested', 'not-assessed'] as const;
    const parts = keys
      .filter((k) => (c.from[k] ?? 0) !== (c.to[k] ?? 0))
      .map((k) => `${k} ${c.from[k] ?? 0} → ${c.to[k] ?? 0}`);
    lines.push(`${c.framework}: ${parts.length > 0 ? parts.join(', ') : 'no change in counts'}`);
  }
  const section = (title: string, items: string[]): void => {
    lines.push('', `${title} (${items.length})`);
    for (const i of items.slice(0, max)) lines.push(`  ${i}`);
    if (items.length > max) lines.push(`  … and ${items.length - max} more (use --output json for all)`);
  };
  section(
    'New failures',
    d.newFailures.map((f) => `${f.source} ${f.ruleId} ${f.resource ?? ''} — ${f.title} (was ${f.from})`),
  );
  section(
    'Resolved failures',
    d.resolvedFailures.map((f) => `${f.source} ${f.ruleId} ${f.resource ?? ''} — ${f.title} (now ${f.to})`),
  );
  section(
    'Control status changes',
    d.controlChanges.map((c) => `${c.framework}/${c.controlId} ${c.from} → ${c.to} — ${c.title}`),
  );
  return lines.join('\n') + '\n';
}
