import type { Artifact, Finding, ReportModel, Severity } from '../model/types.ts';
import { fullyWaivedFindings, waiverText } from './waived.ts';
import type { Renderer } from './types.ts';

/**
 * SARIF 2.1.0: one run per source that produced findings (or that ran), rules from the findings' rule ids,
 * results for `fail` (level error/warning by severity) and `manual` (level note, kind review); a failure every
 * control of which is covered by kubeproof waivers, and a scanner's own exception (`waived`), carry
 * `suppressions` (external, accepted, with the waiver or exception). A check that
 * could not run (`error`) is not a result but a tool execution notification of the run's invocation, tied to
 * its rule (associatedRule), so it is never read as a pass. Findings have no source file, so locations are
 * logical locations naming the Kubernetes resource.
 */
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
  unknown: 'warning',
};

const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
  unknown: '5.0',
};

function ruleKey(f: Finding): string {
  return f.ruleVariant ? `${f.ruleVariant}/${f.ruleId}` : f.ruleId;
}

function helpUri(f: Finding): string | undefined {
  if (f.source === 'kubescape' && /^C-\d+$/.test(f.ruleId)) {
    return `https://hub.armosec.io/docs/${f.ruleId.toLowerCase()}`;
  }
  return undefined;
}

function resourceName(f: Finding): string {
  const r = f.resource;
  if (!r) return 'cluster';
  return [r.namespace, r.kind, r.name].filter(Boolean).join('/');
}

export function renderSarif(model: ReportModel): Artifact {
  const controlsOf = new Map<string, Set<string>>();
  for (const fw of model.frameworks) {
    for (const c of fw.controls) {
      for (const id of c.findingIds) {
        const set = controlsOf.get(id) ?? new Set<string>();
        set.add(`${fw.id}/${c.controlId}`);
        controlsOf.set(id, set);
      }
    }
  }
  // A failing finding is suppressed (SARIF `suppressions`, accepted) only when every control it counts in
  // is waived (fullyWaivedFindings); the waivers are named.
  const waiversOf = fullyWaivedFindings(model);
  /** The result's `suppressions` member, when it is waived as a whole or excepted by the scanner. */
  const suppressionsOf = (f: Finding): { suppressions?: Record<string, unknown>[] } => {
    if (f.status === 'waived') {
      // the scanner's own exception (a Kubescape exception): reported as the scanner gave it
      return {
        suppressions: [
          { kind: 'external', status: 'accepted', justification: `${f.source} exception: ${f.message}` },
        ],
      };
    }
    const ws = waiversOf.get(f.id);
    return ws
      ? {
          suppressions: ws.map((w) => ({
            kind: 'external',
            status: 'accepted',
            justification: `kubeproof waiver ${waiverText(w)}`,
            properties: { waiverId: w.id, origin: w.origin },
          })),
        }
      : {};
  };
  const runs = model.runs.map((run) => {
    const findings = model.findings.filter((f) => f.source === run.source);
    const rules: Record<string, unknown>[] = [];
    const ruleIndex = new Map<string, number>();
    const ruleControls = new Map<string, Set<string>>();
    for (const f of findings) {
      const key = ruleKey(f);
      const set = ruleControls.get(key) ?? new Set<string>();
      for (const c of controlsOf.get(f.id) ?? []) set.add(c);
      ruleControls.set(key, set);
      if (ruleIndex.has(key)) continue;
      ruleIndex.set(key, rules.length);
      const uri = helpUri(f);
      rules.push({
        id: key,
        name: f.ruleId,
        shortDescription: { text: f.title },
        ...(uri ? { helpUri: uri } : {}),
        defaultConfiguration: { level: LEVEL[f.severity] },
        properties: {
          severity: f.severity,
          'security-severity': SECURITY_SEVERITY[f.severity],
          controls: [] as string[],
        },
      });
    }
    for (const rule of rules) {
      (rule['properties'] as { controls: string[] }).controls = [
        ...(ruleControls.get(rule['id'] as string) ?? []),
      ].sort();
    }
    const where = (f: Finding) => [
      {
        logicalLocations: [
          {
            name: f.resource?.name ?? 'cluster',
            fullyQualifiedName: resourceName(f),
            kind: f.resource?.kind ?? 'cluster',
          },
        ],
      },
    ];
    const notRun = findings
      .filter((f) => f.status === 'error')
      .map((f) => ({
        level: 'error',
        message: { text: `check ${f.ruleId} could not run: ${f.message}` },
        associatedRule: { id: ruleKey(f), index: ruleIndex.get(ruleKey(f)) ?? 0 },
        locations: where(f),
        properties: {
          findingId: f.id,
          status: f.status,
          nativeStatus: f.nativeStatus,
          evidenceIds: f.evidenceIds,
        },
      }));
    const notifications = [
      ...(run.error
        ? [{ level: 'error', message: { text: `${run.error.code}: ${run.error.message}` } }]
        : []),
      ...notRun,
    ];
    const results = findings
      .filter((f) => f.status === 'fail' || f.status === 'manual' || f.status === 'waived')
      .map((f) => ({
        ruleId: ruleKey(f),
        ruleIndex: ruleIndex.get(ruleKey(f)) ?? 0,
        kind: f.status === 'manual' ? 'review' : 'fail',
        level: f.status === 'manual' ? 'none' : LEVEL[f.severity],
        ...suppressionsOf(f),
        message: { text: f.message },
        locations: [
          {
            logicalLocations: [
              {
                name: f.resource?.name ?? 'cluster',
                fullyQualifiedName: resourceName(f),
                kind: f.resource?.kind ?? 'cluster',
              },
            ],
          },
        ],
        partialFingerprints: { 'kubeproof/findingId': f.id },
        properties: {
          status: f.status,
          nativeStatus: f.nativeStatus,
          severity: f.severity,
          controls: [...(controlsOf.get(f.id) ?? [])].sort(),
          ...(f.resource?.node ? { node: f.resource.node } : {}),
          evidenceIds: f.evidenceIds,
        },
      }));
    const driverName =
      run.source === 'rbac' || run.source === 'workloads' || run.source === 'audit-log'
        ? `kubeproof-${run.source}`
        : run.source;
    return {
      tool: {
        driver: {
          name: driverName,
          ...(run.toolVersion ? { version: run.toolVersion } : {}),
          rules,
        },
      },
      invocations: [
        {
          executionSuccessful: run.status === 'ok' || run.status === 'partial',
          startTimeUtc: run.startedAt,
          ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
        },
      ],
      automationDetails: { id: `kubeproof/${model.cluster.name}/${model.reportId}/${run.source}` },
      results,
      properties: { cluster: model.cluster.name, reportId: model.reportId, runStatus: run.status },
    };
  });
  const doc = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs,
  };
  return {
    filename: 'report.sarif',
    mediaType: 'application/sarif+json',
    body: `${JSON.stringify(doc, null, 2)}\n`,
  };
}

export const sarifRenderer: Renderer = { format: 'sarif', render: (model) => renderSarif(model) };
