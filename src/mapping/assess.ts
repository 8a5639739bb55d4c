import type {
  ControlCounts,
  ControlDef,
  ControlResult,
  ControlStatus,
  Coverage,
  Finding,
  FrameworkDef,
  FrameworkResult,
  ObjectiveDef,
  ObjectiveLink,
  ObjectiveResult,
  RunRecord,
  Severity,
  SourceId,
  UnmappedFinding,
  WaiverRef,
} from '../model/types.ts';
import { CONTROL_STATUSES, SEVERITIES } from '../model/types.ts';
import { ruleKey, type MappingBundle } from './types.ts';

/** Inputs of assess() besides findings; everything the status semantics depend on is explicit. */
export interface AssessOptions {
  /** Framework ids to assess, in report order. */
  frameworks: string[];
  /** What each source did; a source absent here was not enabled in this run. */
  runs: RunRecord[];
  /** Controls the user scoped out, as `<framework>/<control>` with a reason. */
  notApplicable?: { control: string; reason: string }[];
  /** kubeproof waivers: returns the waiver covering a failing finding for a control, if any. */
  waiverFor?: (finding: Finding, controlRef: string) => WaiverRef | undefined;
  /** Attestations of manual controls by `<framework>/<control>`. */
  attestationFor?: (controlRef: string) => ControlResult['attestation'] | undefined;
}

export interface Assessment {
  frameworks: FrameworkResult[];
  objectives: ObjectiveResult[];
  unmapped: UnmappedFinding[];
  /** Findings with severity resolved (a finding without its own severity takes its objectives' highest). */
  findings: Finding[];
  /** Objectives each finding was mapped to. */
  findingObjectives: Map<string, string[]>;
}

const SEVERITY_RANK: Record<Severity, number> = {
  critical: 5,
  high: 4,
  medium: 3,
  low: 2,
  info: 1,
  unknown: 0,
};
const AUTOMATED = new Set(['pass', 'fail', 'waived']);

/**
 * Computes every control's status from findings and the mapping data (ARCHITECTURE.md section 2).
 * Pure: the same inputs give the same output, ordered as the catalogues are.
 *
 * Absence of evidence is never a pass: a control passes only when at least one mapped automated check
 * ran and passed and none failed; a control whose mapped checks did not all run is `incomplete`; one
 * that nothing assessed is `not-assessed` (with the reason), or `manual` when only organisational
 * evidence can satisfy it.
 */
export function assess(input: Finding[], bundle: MappingBundle, opts: AssessOptions): Assessment {
  const ranSources = new Map<SourceId, RunRecord>();
  for (const r of opts.runs) ranSources.set(r.source, r);

  // Which rule-map variants (kube-bench benchmarks) this run produced findings for.
  const variantsSeen = new Map<SourceId, Set<string>>();
  for (const f of input) {
    if (f.ruleVariant) {
      let s = variantsSeen.get(f.source);
      if (!s) variantsSeen.set(f.source, (s = new Set()));
      s.add(f.ruleVariant);
    }
  }

  // objective -> sources (with variants) that have a rule for it
  const objectiveSources = new Map<string, { source: SourceId; variant?: string }[]>();
  for (const r of bundle.rules.values()) {
    for (const o of r.objectives) {
      let l = objectiveSources.get(o);
      if (!l) objectiveSources.set(o, (l = []));
      l.push({ source: r.source, ...(r.variant ? { variant: r.variant } : {}) });
    }
  }

  // Map findings to objectives.
  const unmapped: UnmappedFinding[] = [];
  const findingObjectives = new Map<string, string[]>();
  const objectiveFindings = new Map<string, Finding[]>();
  const findings: Finding[] = [];
  for (const f of input) {
    const lookupId = typeof f.properties?.['mapRuleId'] === 'string' ? f.properties['mapRuleId'] : f.ruleId;
    const entry = bundle.rules.get(ruleKey(f.source, f.ruleVariant, lookupId));
    let severity = f.severity;
    if (!entry) {
      unmapped.push({
        findingId: f.id,
        reason: f.ruleVariant
          ? `no mapping for ${f.source} rule ${lookupId} in ${f.ruleVariant}`
          : `no mapping for ${f.source} rule ${lookupId}`,
      });
    } else if (entry.objectives.length === 0) {
      unmapped.push({ findingId: f.id, reason: `out of scope: ${entry.outOfScope ?? 'no reason given'}` });
    } else {
      findingObjectives.set(f.id, entry.objectives);
      for (const o of entry.objectives) {
        let l = objectiveFindings.get(o);
        if (!l) objectiveFindings.set(o, (l = []));
        l.push(f);
        const os = bundle.objectives.get(o)?.severity;
        if (severity === 'unknown' && os && SEVERITY_RANK[os] > SEVERITY_RANK[severity]) severity = os;
      }
    }
    findings.push(severity === f.severity ? f : { ...f, severity });
  }
  const bySeverity = new Map(findings.map((f) => [f.id, f.severity]));

  /** Why an objective has no automated result in this run, or undefined if it is not expected to have one. */
  const missingReason = (objectiveId: string, reported: Set<SourceId>): string | undefined => {
    const srcs = objectiveSources.get(objectiveId) ?? [];
    const reasons = new Set<string>();
    for (const { source, variant } of srcs) {
      const run = ranSources.get(source);
      if (!run) reasons.add(`${source} was not run`);
      else if (run.status === 'skipped')
        reasons.add(`${source} was skipped (${run.error?.message ?? 'nothing to read'})`);
      else if (run.status === 'failed') reasons.add(`${source} failed (${run.error?.message ?? 'see runs'})`);
      // A source that reported the objective for manual review or as an error is counted as such, not as silent.
      else if (reported.has(source)) continue;
      else if (variant === undefined || !variantsSeen.has(source) || variantsSeen.get(source)!.has(variant)) {
        reasons.add(`${source} reported no result for it`);
      }
    }
    if (reasons.size === 0) return undefined;
    return [...reasons].sort().join('; ');
  };

  // Reverse index: control ref -> objectives with their link.
  const controlLinks = new Map<string, { objective: ObjectiveDef; link: ObjectiveLink }[]>();
  for (const o of bundle.objectives.values()) {
    for (const link of o.links) {
      let l = controlLinks.get(link.control);
      if (!l) controlLinks.set(link.control, (l = []));
      l.push({ objective: o, link });
    }
  }
  const notApplicable = new Map((opts.notApplicable ?? []).map((n) => [n.control, n.reason]));

  const frameworks: FrameworkResult[] = [];
  for (const fwId of opts.frameworks) {
    const fw = bundle.frameworks.find((f) => f.id === fwId);
    if (!fw) continue;
    frameworks.push(assessFramework(fw));
  }

  function assessFramework(fw: FrameworkDef): FrameworkResult {
    const controls = fw.controls.map((c) => assessControl(fw, c));
    const counts = Object.fromEntries(CONTROL_STATUSES.map((s) => [s, 0])) as Record<ControlStatus, number>;
    const failingBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    let automated = 0;
    for (const c of controls) {
      counts[c.status]++;
      if (c.status === 'pass' || c.status === 'fail' || c.status === 'waived' || c.status === 'incomplete')
        automated++;
      if (c.status === 'fail') {
        let worst: Severity = 'unknown';
        for (const id of c.findingIds) {
          const s = bySeverity.get(id) ?? 'unknown';
          if (SEVERITY_RANK[s] > SEVERITY_RANK[worst]) worst = s;
        }
        failingBySeverity[worst]++;
      }
    }
    return {
      id: fw.id,
      name: fw.name,
      version: fw.version,
      titleNote: fw.titleNote,
      families: fw.families,
      summary: { total: controls.length, counts, automated, failingBySeverity },
      controls,
    };
  }

  function assessControl(fw: FrameworkDef, c: ControlDef): ControlResult {
    const ref = `${fw.id}/${c.id}`;
    const links = controlLinks.get(ref) ?? [];
    const objectiveIds = links.map((l) => l.objective.id).sort();
    const coverage: Coverage =
      links.length === 0 ? 'none' : links.some((l) => l.link.coverage === 'full') ? 'full' : 'partial';
    const counts: ControlCounts = { pass: 0, fail: 0, manual: 0, info: 0, error: 0, skipped: 0, waived: 0 };
    const sources = new Set<SourceId>();
    for (const oid of objectiveIds) for (const s of objectiveSources.get(oid) ?? []) sources.add(s.source);

    const seen = new Set<string>();
    const related: Finding[] = [];
    const waivers = new Map<string, WaiverRef>();
    const missing: { objective: ObjectiveDef; reason: string }[] = [];
    const failingObjectives: ObjectiveDef[] = [];
    for (const { objective } of links) {
      const fs = objectiveFindings.get(objective.id) ?? [];
      let automated = false;
      for (const f of fs) {
        if (AUTOMATED.has(f.status)) automated = true;
        if (seen.has(f.id)) continue;
        seen.add(f.id);
        related.push(f);
        if (f.status === 'fail') {
          const w = opts.waiverFor?.(f, ref);
          if (w) {
            waivers.set(w.id, w);
            counts.waived++;
            continue;
          }
          if (!failingObjectives.includes(objective)) failingObjectives.push(objective);
        }
        counts[f.status]++;
      }
      if (!automated) {
        const reason = missingReason(
          objective.id,
          new Set(fs.filter((f) => f.status !== 'info').map((f) => f.source)),
        );
        if (reason) missing.push({ objective, reason });
      }
    }
    const findingIds = related
      .sort((a, b) => statusRank(a.status) - statusRank(b.status) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((f) => f.id);

    const base = {
      controlId: c.id,
      title: c.title,
      family: c.family,
      coverage,
      findingIds,
      objectiveIds,
      sources: [...sources].sort(),
      counts,
      ...(c.baselines ? { baselines: c.baselines } : {}),
      ...(waivers.size > 0 ? { waivers: [...waivers.values()] } : {}),
    };
    const na = notApplicable.get(ref);
    if (na !== undefined) return { ...base, status: 'not-applicable', explanation: `Scoped out: ${na}` };

    const ran = counts.pass + counts.fail + counts.waived;
    if (counts.fail > 0) {
      const nodes = failingNodes(related);
      return {
        ...base,
        status: 'fail',
        explanation:
          `${counts.fail} of ${ran} automated check result${ran > 1 ? 's' : ''} failed ` +
          `(${failingObjectives.map((o) => o.title).join('; ')})` +
          (nodes ? ` on ${nodes}` : '') +
          '.',
      };
    }
    if (counts.waived > 0) {
      // Two kinds of waiver: kubeproof's own (a waiver file, with owner and expiry) and the scanner's (a
      // Kubescape exception: status `waived` on the finding itself). Each is named as what it is.
      const byScanner = related.filter((f) => f.status === 'waived');
      const byUs = counts.waived - byScanner.length;
      const parts = [
        ...(byUs > 0 ? [`${byUs} covered by an unexpired kubeproof waiver`] : []),
        ...(byScanner.length > 0
          ? [
              `${byScanner.length} excepted by the scanner itself (${[...new Set(byScanner.map((f) => f.source))].sort().join(', ')} ` +
                'exception: see each finding for its reason; not reviewed by kubeproof)',
            ]
          : []),
      ];
      return {
        ...base,
        status: 'waived',
        explanation: `No unwaived failure: ${parts.join('; ')}; ${counts.pass} passed.`,
      };
    }
    if (counts.pass > 0 && c.assessment === 'organisational') {
      // A scan can support an organisational control but never satisfy it: passes leave it manual.
      return {
        ...base,
        status: manualOrAttested(ref),
        explanation:
          `${counts.pass} linked automated check result${counts.pass > 1 ? 's' : ''} passed, none failed, but this ` +
          'control needs organisational evidence (policy, process or records) that no cluster scan can provide.',
        ...attestation(ref),
      };
    }
    if (counts.pass > 0) {
      // A source that ran only in part (an input unreadable, a list refused) may have missed a failure.
      const partial = [...new Set(related.filter((f) => f.status === 'pass').map((f) => f.source))]
        .sort()
        .map((s) => ranSources.get(s))
        .filter((r): r is RunRecord => r?.status === 'partial');
      if (missing.length > 0 || counts.manual > 0 || counts.error > 0 || partial.length > 0) {
        const parts: string[] = [];
        if (missing.length > 0)
          parts.push(`not run: ${missing.map((m) => `${m.objective.title} (${m.reason})`).join('; ')}`);
        for (const r of partial)
          parts.push(`${r.source} ran only in part (${r.error?.message ?? 'see runs'})`);
        if (counts.manual > 0)
          parts.push(`${counts.manual} check${counts.manual > 1 ? 's' : ''} need manual review`);
        if (counts.error > 0) parts.push(`${counts.error} check${counts.error > 1 ? 's' : ''} could not run`);
        return {
          ...base,
          status: 'incomplete',
          explanation: `${counts.pass} automated check result${counts.pass > 1 ? 's' : ''} passed, none failed, but ${parts.join('; ')}.`,
        };
      }
      return {
        ...base,
        status: 'pass',
        explanation:
          coverage === 'full'
            ? `All ${counts.pass} automated check results passed.`
            : `All ${counts.pass} automated check results passed; they cover part of this control, so further evidence is required.`,
      };
    }
    // Nothing automated ran for this control.
    if (counts.manual > 0) {
      return {
        ...base,
        status: manualOrAttested(ref),
        explanation: `${counts.manual} check${counts.manual > 1 ? 's' : ''} need manual review (${manualTitles(related)}); no automated check decided it.`,
        ...attestation(ref),
      };
    }
    if (c.assessment === 'organisational') {
      return {
        ...base,
        status: manualOrAttested(ref),
        explanation:
          links.length > 0
            ? `Needs organisational evidence; the linked automated checks did not run (${missing.map((m) => m.reason).join('; ') || 'no source covers them'}).`
            : 'Needs organisational evidence (policy, process or records) that no cluster scan can provide.',
        ...attestation(ref),
      };
    }
    let explanation: string;
    if (links.length === 0)
      explanation = 'No kubeproof check maps to this control; assess it by other means.';
    else if (counts.error + counts.skipped > 0) {
      explanation = `The mapped checks could not run or were skipped (${counts.error} error, ${counts.skipped} skipped).`;
    } else if (missing.length > 0) {
      explanation = `Not assessed: ${[...new Set(missing.map((m) => m.reason))].join('; ')}.`;
    } else if (!objectiveIds.some((o) => objectiveSources.has(o))) {
      explanation =
        'Linked objectives exist, but no kubeproof source checks them yet; assess it by other means.';
    } else explanation = `The checks that map here belong to benchmarks or platforms other than this run's.`;
    return { ...base, status: 'not-assessed', explanation };
  }

  function manualOrAttested(ref: string): ControlStatus {
    return opts.attestationFor?.(ref) ? 'attested' : 'manual';
  }
  function attestation(ref: string): { attestation?: ControlResult['attestation'] } {
    const a = opts.attestationFor?.(ref);
    return a ? { attestation: a } : {};
  }

  const objectives: ObjectiveResult[] = [...bundle.objectives.values()]
    .filter((o) => objectiveFindings.has(o.id))
    .map((o) => {
      const fs = objectiveFindings.get(o.id) ?? [];
      const has = (s: string): boolean => fs.some((f) => f.status === s);
      const status: ControlStatus = has('fail')
        ? 'fail'
        : has('waived')
          ? 'waived'
          : has('pass')
            ? has('manual') || has('error')
              ? 'incomplete'
              : 'pass'
            : has('manual')
              ? 'manual'
              : 'not-assessed';
      return {
        id: o.id,
        title: o.title,
        severity: o.severity,
        status,
        findingIds: fs.map((f) => f.id).sort(),
        controls: o.links.map((l) => l.control).sort(),
      };
    })
    .sort((a, b) => (a.id < b.id ? -1 : 1));

  return { frameworks, objectives, unmapped, findings, findingObjectives };
}

function statusRank(s: Finding['status']): number {
  return ['fail', 'waived', 'error', 'manual', 'skipped', 'pass', 'info'].indexOf(s);
}

function failingNodes(fs: Finding[]): string {
  const nodes = [
    ...new Set(fs.filter((f) => f.status === 'fail' && f.resource?.node).map((f) => f.resource!.node!)),
  ].sort();
  if (nodes.length === 0) return '';
  return nodes.length > 5
    ? `${nodes.slice(0, 5).join(', ')} and ${nodes.length - 5} more nodes`
    : nodes.join(', ');
}

function manualTitles(fs: Finding[]): string {
  const ids = [...new Set(fs.filter((f) => f.status === 'manual').map((f) => f.ruleId))].sort();
  return ids.length > 6 ? `${ids.slice(0, 6).join(', ')} …` : ids.join(', ');
}
