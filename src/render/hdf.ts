import { sha256Hex } from '../util/hash.ts';
import type { Artifact, Finding, FindingStatus, ReportModel, Severity } from '../model/types.ts';
import type { Renderer } from './types.ts';
import { fullyWaivedFindings, waiverText } from './waived.ts';

/**
 * MITRE Heimdall Data Format (InSpec exec-json shape), for Heimdall and the SAF CLI: one profile per
 * source that ran, one control per rule, one result per finding (per resource). `tags.nist` lists the
 * NIST SP 800-53 controls the rule maps to (Heimdall's NIST views read it); the other frameworks go in
 * `tags.<framework id>`.
 */
const IMPACT: Record<Severity, number> = {
  critical: 0.9,
  high: 0.7,
  medium: 0.5,
  low: 0.3,
  info: 0,
  unknown: 0.5,
};

const HDF_STATUS: Record<FindingStatus, 'passed' | 'failed' | 'skipped' | 'error'> = {
  pass: 'passed',
  fail: 'failed',
  manual: 'skipped',
  info: 'skipped',
  skipped: 'skipped',
  waived: 'skipped',
  error: 'error',
};

function resourceText(f: Finding): string {
  const r = f.resource;
  if (!r) return 'cluster';
  return `${r.kind} ${[r.namespace, r.name].filter(Boolean).join('/')}${r.node && r.kind !== 'Node' ? ` on ${r.node}` : ''}`;
}

export function renderHdf(model: ReportModel): Artifact {
  const controlsOf = new Map<string, Map<string, Set<string>>>();
  for (const fw of model.frameworks) {
    for (const c of fw.controls) {
      for (const id of c.findingIds) {
        const byFw = controlsOf.get(id) ?? new Map<string, Set<string>>();
        const set = byFw.get(fw.id) ?? new Set<string>();
        set.add(c.controlId);
        byFw.set(fw.id, set);
        controlsOf.set(id, byFw);
      }
    }
  }
  const evidenceById = new Map(model.evidence.map((e) => [e.id, e]));
  const waived = fullyWaivedFindings(model);
  const profiles = model.runs.map((run) => {
    const rules = new Map<string, Finding[]>();
    for (const f of model.findings) {
      if (f.source !== run.source) continue;
      const key = f.ruleVariant ? `${f.ruleVariant}/${f.ruleId}` : f.ruleId;
      const list = rules.get(key) ?? [];
      list.push(f);
      rules.set(key, list);
    }
    const controls = [...rules.entries()].map(([key, fs]) => {
      const first = fs[0] as Finding;
      const tags: Record<string, string[] | string> = { severity: first.severity, nist: [] };
      for (const f of fs) {
        for (const [fw, set] of controlsOf.get(f.id) ?? []) {
          const tagName = fw.startsWith('nist-800-53') ? 'nist' : fw;
          const list = new Set((tags[tagName] as string[] | undefined) ?? []);
          for (const c of set) list.add(c);
          tags[tagName] = [...list].sort();
        }
      }
      if (first.ruleVariant) tags['benchmark'] = first.ruleVariant;
      // HDF's waiver_data: when every failure of this rule counts only in waived controls (fullyWaivedFindings)
      const failing = fs.filter((f) => f.status === 'fail');
      const waivers = failing.flatMap((f) => waived.get(f.id) ?? []);
      const covered = failing.length > 0 && failing.every((f) => waived.has(f.id));
      const byId = new Map(waivers.map((w) => [w.id, w]));
      return {
        id: key,
        ...(covered
          ? {
              waiver_data: {
                run: true,
                skipped_due_to_waiver: false,
                justification: [...byId.values()].map((w) => `kubeproof waiver ${waiverText(w)}`).join('; '),
                expiration_date: [...byId.values()].map((w) => w.expires).sort()[0],
                message: `${failing.length} failing result(s) accepted by kubeproof waiver(s) ${[...byId.keys()].join(', ')}`,
              },
            }
          : {}),
        title: first.title,
        desc: first.remediation ? `${first.title}. Remediation: ${first.remediation}` : first.title,
        descriptions: first.remediation ? [{ label: 'fix', data: first.remediation }] : [],
        impact: IMPACT[first.severity],
        refs: [],
        tags,
        code: '',
        source_location: { ref: run.inputs[0]?.path ?? run.source, line: 0 },
        results: fs.map((f) => {
          const ev = evidenceById.get(f.evidenceIds[0] ?? '');
          return {
            status: HDF_STATUS[f.status],
            code_desc: `${resourceText(f)}: ${f.message}`,
            start_time: ev?.collectedAt ?? run.startedAt,
            ...(f.status === 'manual' ||
            f.status === 'skipped' ||
            f.status === 'info' ||
            f.status === 'waived'
              ? { skip_message: `${f.nativeStatus}: ${f.message}` }
              : {}),
            ...(f.status === 'fail' ? { message: f.message } : {}),
            ...(f.status === 'error' ? { exception: f.nativeStatus, message: f.message } : {}),
          };
        }),
      };
    });
    const name = `kubeproof-${run.source}`;
    return {
      name,
      version: run.toolVersion ?? model.tool.version,
      title: `kubeproof: ${run.source} findings for ${model.cluster.name}`,
      maintainer: 'kubeproof',
      summary: run.error ? `Source ${run.status}: ${run.error.message}` : `Source ${run.status}`,
      license: 'Apache-2.0',
      sha256: sha256Hex(`${model.reportId}\u0000${name}`),
      supports: [],
      attributes: [],
      groups: [{ id: run.source, title: run.source, controls: controls.map((c) => c.id) }],
      status: run.status === 'ok' || run.status === 'partial' ? 'loaded' : 'failed',
      ...(run.error ? { status_message: `${run.error.code}: ${run.error.message}` } : {}),
      controls,
    };
  });
  const from = Date.parse(model.scope.period.from ?? '');
  const to = Date.parse(model.generatedAt);
  const doc = {
    platform: {
      name: 'kubernetes',
      release: model.cluster.serverVersion ?? 'unknown',
      target_id: model.cluster.name,
    },
    version: model.tool.version,
    statistics: {
      duration: model.runs.reduce((s, r) => s + r.durationMs, 0) / 1000,
    },
    profiles,
    passthrough: {
      kubeproof: { reportId: model.reportId, generatedAt: model.generatedAt, mappings: model.mappings },
      ...(Number.isFinite(from) && Number.isFinite(to)
        ? { periodSeconds: Math.round((to - from) / 1000) }
        : {}),
    },
  };
  return {
    filename: 'report.hdf.json',
    mediaType: 'application/json',
    body: `${JSON.stringify(doc, null, 2)}\n`,
  };
}

export const hdfRenderer: Renderer = { format: 'hdf', render: (model) => renderHdf(model) };
