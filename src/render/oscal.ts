import { createHash } from 'node:crypto';
import type { Artifact, ControlResult, ControlStatus, Finding, ReportModel } from '../model/types.ts';
import type { Renderer } from './types.ts';

/**
 * OSCAL Assessment Results 1.1.3 (JSON). One result covering the collection period; reviewed-controls lists
 * every assessed control; one OSCAL finding per control result (target: the control as an objective);
 * one observation per scanner finding, citing its evidence. UUIDs are RFC 4122 version 5, derived from
 * the report id and stable kubeproof ids, so re-rendering the same report.json gives the same document.
 *
 * `import-ap` must reference an assessment plan; kubeproof runs without one, so it points to a fragment
 * (`#kubeproof-assessment-plan`) and its remarks say so: tools that need a real plan should replace it.
 */
export const OSCAL_VERSION = '1.1.3';
/** Namespace for kubeproof-specific props (any URI; OSCAL requires an `ns` on non-core props). */
const NS = 'urn:kubeproof:oscal';
/** Fixed namespace UUID for uuidV5 (generated once for kubeproof). */
const UUID_NAMESPACE = '6b1f8f7e-3c52-4d8e-9a3b-2f4c5d6e7f80';

/** RFC 4122 version 5 UUID (SHA-1 of namespace bytes + name). */
export function uuidV5(name: string, namespace = UUID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * OSCAL control ids are NCName tokens. NIST SP 800-53 ids take the catalogue's own form (`AC-6(9)` →
 * `ac-6.9`); other frameworks' ids are prefixed with the framework id (`pci-dss-4.0.1_7.2.1`), since they
 * may start with a digit.
 */
export function oscalControlId(frameworkId: string, controlId: string): string {
  if (frameworkId.startsWith('nist-800-53')) {
    return controlId.toLowerCase().replace(/\((\w+)\)/g, '.$1');
  }
  return `${frameworkId}_${controlId}`.replace(/[^\p{L}\p{N}._-]/gu, '_');
}

/** Only `pass` (and an unexpired attestation) is satisfied; absence of evidence is never satisfied. */
function state(status: ControlStatus): {
  state: 'satisfied' | 'not-satisfied';
  reason: 'pass' | 'fail' | 'other';
} {
  switch (status) {
    case 'pass':
      return { state: 'satisfied', reason: 'pass' };
    case 'attested':
      return { state: 'satisfied', reason: 'other' };
    case 'fail':
    case 'waived':
      return { state: 'not-satisfied', reason: 'fail' };
    default:
      return { state: 'not-satisfied', reason: 'other' };
  }
}

function toDateTime(s: string | undefined, fallback: string): string {
  const v = s ?? fallback;
  return /Z|[+-]\d\d:\d\d$/.test(v) ? v : `${v}Z`;
}

function prop(name: string, value: string): { name: string; value: string; ns: string } {
  return { name, value: value === '' ? '-' : value, ns: NS };
}

function controlRemarks(c: ControlResult): string {
  const parts = [`kubeproof status: ${c.status}; coverage: ${c.coverage}. ${c.explanation}`];
  for (const w of c.waivers ?? [])
    parts.push(`Waiver ${w.id} (${w.origin}): ${w.reason}; owner ${w.owner}; expires ${w.expires}.`);
  if (c.attestation) {
    parts.push(
      `Attested by ${c.attestation.by} on ${c.attestation.date} (${c.attestation.evidence}); expires ${c.attestation.expires}.`,
    );
  }
  return parts.join('\n');
}

export function renderOscal(model: ReportModel): Artifact {
  const rid = model.reportId;
  const findingsById = new Map<string, Finding>(model.findings.map((f) => [f.id, f]));
  const evidenceIndex = new Map(model.evidence.map((e, i) => [e.id, { e, i }]));
  const obsUuid = (fid: string): string => uuidV5(`${rid}/observation/${fid}`);
  const runs = [...model.runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  // The result spans the collection; the --since/--until window widens it only when audit logs were read
  // (it bounds their events, nothing else), so no observation falls outside its result.
  const auditRead = model.runs.some(
    (r) => r.source === 'audit-log' && (r.status === 'ok' || r.status === 'partial'),
  );
  const earlier = (a: string | undefined, b: string | undefined): string | undefined =>
    a === undefined ? b : b === undefined ? a : Date.parse(a) <= Date.parse(b) ? a : b;
  const later = (a: string | undefined, b: string): string =>
    a !== undefined && Date.parse(a) > Date.parse(b) ? a : b;
  const start = toDateTime(
    earlier(auditRead ? model.scope.period.from : undefined, runs[0]?.startedAt),
    model.generatedAt,
  );
  const end = toDateTime(
    later(auditRead ? model.scope.period.to : undefined, model.generatedAt),
    model.generatedAt,
  );

  const linked = new Set(model.frameworks.flatMap((fw) => fw.controls.flatMap((c) => c.findingIds)));
  const observations = model.findings
    .filter((f) => linked.has(f.id) || f.status === 'fail')
    .map((f) => {
      const evidence = f.evidenceIds
        .map((id) => evidenceIndex.get(id))
        .filter((x) => x !== undefined)
        .map(({ e, i }) => ({
          href: `report.json#/evidence/${i}`,
          description: `${e.kind} from ${e.source}${e.locator.file ? `: ${e.locator.file}${e.locator.pointer ?? ''}` : ''}${e.locator.apiPath ? `: ${e.locator.apiPath}` : ''}${e.sha256 ? ` (sha256 ${e.sha256})` : ''}`,
        }));
      const collected =
        evidence.length > 0
          ? toDateTime(evidenceIndex.get(f.evidenceIds[0] ?? '')?.e.collectedAt, model.generatedAt)
          : toDateTime(model.generatedAt, model.generatedAt);
      const props = [
        prop('finding-id', f.id),
        prop('source', f.source),
        prop('rule-id', f.ruleId),
        prop('status', f.status),
        prop('native-status', f.nativeStatus),
        prop('severity', f.severity),
      ];
      if (f.resource) {
        props.push(
          prop(
            'resource',
            [f.resource.kind, f.resource.namespace, f.resource.name].filter(Boolean).join('/'),
          ),
        );
      }
      return {
        uuid: obsUuid(f.id),
        title: f.title,
        description: f.message,
        props,
        methods: ['TEST'],
        ...(evidence.length > 0 ? { 'relevant-evidence': evidence } : {}),
        collected,
      };
    });
  const observed = new Set(observations.map((o) => o.uuid));

  const include: { 'control-id': string }[] = [];
  const exclude: { 'control-id': string }[] = [];
  const findings: Record<string, unknown>[] = [];
  for (const fw of model.frameworks) {
    for (const c of fw.controls) {
      const cid = oscalControlId(fw.id, c.controlId);
      if (c.status === 'not-applicable') {
        exclude.push({ 'control-id': cid });
        continue;
      }
      include.push({ 'control-id': cid });
      const related = c.findingIds
        .filter((id) => findingsById.has(id))
        .map((id) => obsUuid(id))
        .filter((u) => observed.has(u))
        .map((u) => ({ 'observation-uuid': u }));
      const st = state(c.status);
      findings.push({
        uuid: uuidV5(`${rid}/finding/${fw.id}/${c.controlId}`),
        title: `${fw.name} ${c.controlId}: ${c.title}`,
        description: c.explanation,
        props: [
          prop('framework', fw.id),
          prop('control', c.controlId),
          prop('status', c.status),
          prop('coverage', c.coverage),
        ],
        target: {
          type: 'objective-id',
          'target-id': cid,
          status: { state: st.state, reason: st.reason },
        },
        ...(related.length > 0 ? { 'related-observations': related } : {}),
        remarks: controlRemarks(c),
      });
    }
  }

  const failed = model.runs.filter((r) => r.status === 'failed' || r.status === 'skipped');
  const result: Record<string, unknown> = {
    uuid: uuidV5(`${rid}/result`),
    title: `Automated evidence for cluster ${model.cluster.name}`,
    description:
      'Results of automated checks collected by kubeproof. A control is satisfied only when every mapped ' +
      'check ran and passed; controls needing organisational evidence, or whose sources did not run, are ' +
      'not satisfied by this document.',
    start,
    end,
    props: [
      prop('report-id', rid),
      prop('mappings-version', model.mappings.version),
      prop('mappings-sha256', model.mappings.sha256),
    ],
    'reviewed-controls': {
      'control-selections': [
        {
          description: `Controls of ${model.frameworks.map((f) => `${f.name} ${f.version}`).join(', ')} in scope.`,
          ...(include.length > 0 ? { 'include-controls': include } : {}),
          ...(exclude.length > 0 ? { 'exclude-controls': exclude } : {}),
        },
      ],
    },
    ...(observations.length > 0 ? { observations } : {}),
    ...(findings.length > 0 ? { findings } : {}),
    ...(failed.length > 0
      ? {
          remarks: failed
            .map((r) => `Source ${r.source} ${r.status}: ${r.error?.message ?? 'no reason recorded'}`)
            .join('\n'),
        }
      : {}),
  };

  const doc = {
    'assessment-results': {
      uuid: uuidV5(`${rid}/assessment-results`),
      metadata: {
        title: `kubeproof assessment results: ${model.cluster.name}`,
        'last-modified': toDateTime(model.generatedAt, model.generatedAt),
        version: model.reportId,
        'oscal-version': OSCAL_VERSION,
        props: [prop('tool-version', `${model.tool.name} ${model.tool.version}`)],
      },
      'import-ap': {
        href: '#kubeproof-assessment-plan',
        remarks:
          'kubeproof runs without an OSCAL assessment plan; this placeholder stands for the plan under which ' +
          'the report is used. Replace it with the plan’s location if your tooling requires one.',
      },
      results: [result],
    },
  };
  return {
    filename: 'report.oscal.json',
    mediaType: 'application/json',
    body: `${JSON.stringify(doc, null, 2)}\n`,
  };
}

export const oscalRenderer: Renderer = { format: 'oscal', render: (model) => renderOscal(model) };
