/**
 * Kubescape operator results read through the Kubernetes API. The operator's storage (kubescape/storage,
 * aggregated API `spdx.softwarecomposition.kubescape.io/v1beta1`) keeps the latest configuration scan of
 * each workload as a WorkloadConfigurationScan (controls with rules, paths and applied exceptions), a
 * WorkloadConfigurationScanSummary (control statuses only) and per-namespace ConfigurationScanSummary
 * objects (severity counts and references).
 *
 * Reading and normalizing are separate: readOperatorScans() takes an injected lister (the live-cluster
 * client's paginated list, or a snapshot) and returns the raw objects; normalizeOperatorScans() is pure.
 */
import { InputError } from '../../errors.ts';
import type {
  Evidence,
  Finding,
  FindingStatus,
  InputRecord,
  ResourceRef,
  Scalar,
} from '../../model/types.ts';
import { sha256Hex, stableId } from '../../util/hash.ts';
import { redactText, redactValue } from '../../util/redact.ts';
import type { SourceContext, SourceOutput } from '../types.ts';
import { isObj } from './schema.ts';
import { classifyStatus, severityFromScore, severityFromWord } from './status.ts';
import { compareNatural } from '../../util/compare.ts';

const SOURCE = 'kubescape' as const;
/** One collator for every sort: `localeCompare` with options builds a new one per call (200k findings: 30 s). */
const GROUP = 'spdx.softwarecomposition.kubescape.io';
const VERSION = 'v1beta1';

/** An API resource the reader lists. */
export interface OperatorResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const OPERATOR_RESOURCES = {
  workloadConfigurationScans: {
    group: GROUP,
    version: VERSION,
    plural: 'workloadconfigurationscans',
    kind: 'WorkloadConfigurationScan',
    namespaced: true,
  },
  workloadConfigurationScanSummaries: {
    group: GROUP,
    version: VERSION,
    plural: 'workloadconfigurationscansummaries',
    kind: 'WorkloadConfigurationScanSummary',
    namespaced: true,
  },
  configurationScanSummaries: {
    group: GROUP,
    version: VERSION,
    plural: 'configurationscansummaries',
    kind: 'ConfigurationScanSummary',
    namespaced: false,
  },
} as const satisfies Record<string, OperatorResource>;

/** Lists every object of a resource across namespaces (paginated by the caller's client). */
export type OperatorLister = (resource: OperatorResource) => AsyncIterable<unknown>;

/** What readOperatorScans() returns: raw objects per resource, and why a resource could not be listed. */
export interface OperatorScans {
  scans: unknown[];
  summaries: unknown[];
  namespaceSummaries: unknown[];
  errors: { resource: string; message: string }[];
  /** Discovery said the operator's API is not served: the operator is not installed (not an error). */
  notInstalled?: boolean;
}

/** Optional discovery: whether the API server serves a resource (ClusterReader.resourceAvailable). */
export type OperatorDiscovery = (resource: OperatorResource) => Promise<boolean | undefined>;

/** `/apis/<group>/<version>/<plural>`: the list path, for input records. */
export function listPath(r: OperatorResource): string {
  return `/apis/${r.group}/${r.version}/${r.plural}`;
}

/**
 * Lists the operator's scan objects. A resource that cannot be listed (operator not installed: 404;
 * not allowed: 403) is recorded in `errors`, never thrown, so the other resources still count.
 */
export async function readOperatorScans(
  list: OperatorLister,
  opts: { signal?: AbortSignal; available?: OperatorDiscovery } = {},
): Promise<OperatorScans> {
  const out: OperatorScans = { scans: [], summaries: [], namespaceSummaries: [], errors: [] };
  if (opts.available) {
    try {
      // Only a definite "not served" counts; unknown (snapshots) means: try to list.
      if ((await opts.available(OPERATOR_RESOURCES.workloadConfigurationScans)) === false) {
        out.notInstalled = true;
        return out;
      }
    } catch (err) {
      out.errors.push({
        resource: listPath(OPERATOR_RESOURCES.workloadConfigurationScans),
        message: `discovery failed: ${redactText((err as Error).message ?? String(err))}`,
      });
    }
  }
  const take = async (r: OperatorResource, into: unknown[]): Promise<void> => {
    try {
      for await (const o of list(r)) {
        if (opts.signal?.aborted) throw new Error('aborted');
        into.push(o);
      }
    } catch (err) {
      out.errors.push({ resource: listPath(r), message: redactText((err as Error).message ?? String(err)) });
    }
  };
  await take(OPERATOR_RESOURCES.workloadConfigurationScans, out.scans);
  await take(OPERATOR_RESOURCES.workloadConfigurationScanSummaries, out.summaries);
  await take(OPERATOR_RESOURCES.configurationScanSummaries, out.namespaceSummaries);
  return out;
}

const LABEL = 'kubescape.io/workload-';

type Obj = Record<string, unknown>;
const s = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Some operator releases write the kind label in lower case (`deployment`); reports use the API kind. */
const KINDS = new Map(
  [
    'Pod',
    'Deployment',
    'ReplicaSet',
    'StatefulSet',
    'DaemonSet',
    'Job',
    'CronJob',
    'ReplicationController',
    'ServiceAccount',
    'Role',
    'ClusterRole',
    'RoleBinding',
    'ClusterRoleBinding',
    'Namespace',
    'Node',
    'Service',
    'ConfigMap',
    'Ingress',
    'NetworkPolicy',
    'PersistentVolume',
    'PersistentVolumeClaim',
  ].map((k) => [k.toLowerCase(), k]),
);

/** The scanned workload, from the object's kubescape.io/workload-* labels (its name encodes the same). */
function workloadOf(o: Obj): ResourceRef | undefined {
  const md = isObj(o['metadata']) ? o['metadata'] : {};
  const labels = isObj(md['labels']) ? md['labels'] : {};
  const rawKind = s(labels[`${LABEL}kind`]);
  const kind = rawKind ? (KINDS.get(rawKind.toLowerCase()) ?? rawKind) : undefined;
  const name = s(labels[`${LABEL}name`]);
  if (!kind || !name) return undefined;
  const group = s(labels[`${LABEL}api-group`]);
  const version = s(labels[`${LABEL}api-version`]);
  // Cluster-scoped workloads have no namespace label; the scan object's own namespace is not the workload's.
  const ns = s(labels[`${LABEL}namespace`]);
  const apiVersion = version ? (group ? `${group}/${version}` : version) : undefined;
  return { kind, name, ...(ns ? { namespace: ns } : {}), ...(apiVersion ? { apiVersion } : {}) };
}

function objectPath(kindPlural: string, o: Obj): string {
  const md = isObj(o['metadata']) ? o['metadata'] : {};
  const ns = s(md['namespace']);
  return `/apis/${GROUP}/${VERSION}/${ns ? `namespaces/${ns}/` : ''}${kindPlural}/${s(md['name']) ?? ''}`;
}

const ptrSeg = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

interface ControlShape {
  controlID?: unknown;
  name?: unknown;
  severity?: unknown;
  status?: unknown;
  rules?: unknown;
}

/**
 * Converts the operator's objects to findings and evidence: one finding per (control, workload), from
 * the full WorkloadConfigurationScan when present, else from the workload's summary. Pure.
 * Throws InputError when an object is not what the resource should hold (names the object and path).
 */
export function normalizeOperatorScans(objects: OperatorScans, ctx: SourceContext): SourceOutput {
  const collectedAt = ctx.now().toISOString();
  const findings = new Map<string, Finding>();
  const evidence = new Map<string, Evidence>();
  const notes: string[] = [];
  const covered = new Set<string>();
  let emptyScans = 0;
  const refKey = (r: ResourceRef): string => `${r.apiVersion ?? ''}/${r.namespace ?? ''}/${r.kind}/${r.name}`;

  const fail: (where: string, path: string, msg: string) => never = (where, path, msg) => {
    throw new InputError(where, msg, {
      path,
      hint: 'the Kubescape operator storage returned an unexpected object; check the operator version (kubescape/storage v1beta1)',
    });
  };

  const addControls = (o: Obj, kindPlural: string, full: boolean): boolean => {
    const apiPath = objectPath(kindPlural, o);
    const spec = o['spec'];
    if (spec !== undefined && !isObj(spec))
      fail(apiPath, 'spec', `expected object, got ${Array.isArray(spec) ? 'array' : typeof spec}`);
    const controls = isObj(spec) ? spec['controls'] : undefined;
    if (controls === undefined || controls === null) return false;
    if (!isObj(controls)) fail(apiPath, 'spec.controls', 'expected a map of control id to control');
    const workload = workloadOf(o);
    const md = isObj(o['metadata']) ? o['metadata'] : {};
    const fallback: ResourceRef = {
      kind: 'Unknown',
      name: s(md['name']) ?? '(unnamed)',
      ...(s(md['namespace']) ? { namespace: s(md['namespace']) } : {}),
    };
    const resource = workload ?? fallback;
    const rk = refKey(resource);
    if (!full && covered.has(rk)) return true;
    if (full) covered.add(rk);
    if (!workload)
      notes.push(`${apiPath}: no kubescape.io/workload-* labels; findings name the scan object instead`);
    const body = JSON.stringify(o);
    const sha = sha256Hex(body);
    for (const [key, raw] of Object.entries(controls).sort(([a], [b]) => a.localeCompare(b))) {
      const path = `spec.controls[${JSON.stringify(key)}]`;
      if (!isObj(raw)) fail(apiPath, path, 'expected object (a scanned control)');
      const c = raw as ControlShape;
      const controlId = s(c.controlID) ?? key;
      const st = isObj(c.status) ? c.status : {};
      const sev = isObj(c.severity) ? c.severity : {};
      const rules = Array.isArray(c.rules) ? c.rules.filter(isObj) : [];
      const exceptions = rules.flatMap((r) =>
        Array.isArray(r['appliedIgnoreRules'])
          ? r['appliedIgnoreRules'].filter((x): x is string => typeof x === 'string')
          : [],
      );
      const cl = classifyStatus(s(st['status']), s(st['subStatus']), exceptions, s(st['info']));
      const scoreFactor = typeof sev['scoreFactor'] === 'number' ? sev['scoreFactor'] : undefined;
      const severity = severityFromWord(s(sev['severity'])) ?? severityFromScore(scoreFactor);
      const failedPaths: string[] = [];
      const fixPaths: { path: string; value?: string }[] = [];
      for (const r of rules) {
        for (const p of Array.isArray(r['paths']) ? r['paths'].filter(isObj) : []) {
          const fp = s(p['failedPath']);
          if (fp) failedPaths.push(fp);
          const fx = s(p['fixPath']);
          if (fx)
            fixPaths.push({ path: fx, ...(s(p['fixPathValue']) ? { value: s(p['fixPathValue']) } : {}) });
        }
      }
      const pointer = `/spec/controls/${ptrSeg(key)}`;
      const evId = stableId('e', SOURCE, apiPath, pointer);
      evidence.set(evId, {
        id: evId,
        source: SOURCE,
        kind: 'api-object',
        collectedAt,
        locator: { apiPath, pointer },
        sha256: sha,
        excerpt: redactValue({
          controlID: controlId,
          ...(s(c.name) ? { name: s(c.name) } : {}),
          status: st,
          severity: sev,
          workload: resource,
          ...(rules.length
            ? {
                rules: rules.slice(0, 50).map((r) => ({
                  name: s(r['name']) ?? '',
                  status: isObj(r['status']) ? r['status'] : (r['status'] ?? null),
                  ...(Array.isArray(r['appliedIgnoreRules']) && r['appliedIgnoreRules'].length
                    ? { appliedIgnoreRules: r['appliedIgnoreRules'] }
                    : {}),
                })),
              }
            : {}),
          ...(failedPaths.length ? { failedPaths: failedPaths.slice(0, 50) } : {}),
          ...(fixPaths.length ? { fixPaths: fixPaths.slice(0, 50) } : {}),
        }),
      });
      const where = `on ${resource.kind} ${resource.namespace ? `${resource.namespace}/` : ''}${resource.name}`;
      const message =
        cl.status === 'fail'
          ? `Failed ${where}${failedPaths.length ? ` at ${failedPaths.slice(0, 3).join(', ')}` : ''}.`
          : cl.status === 'pass'
            ? `Passed ${where}.`
            : cl.status === 'waived'
              ? `Failure ${where} excepted by ${cl.reason ?? 'a Kubescape exception'}; not a pass.`
              : `Not a pass ${where}: ${cl.reason ?? cl.native}.`;
      const props: Record<string, Scalar> = {
        inputFormat: full ? 'kubescape-operator-scan' : 'kubescape-operator-summary',
      };
      if (scoreFactor !== undefined) props['scoreFactor'] = scoreFactor;
      if (cl.reason) props['reason'] = cl.reason;
      if (exceptions.length) props['exceptionPolicies'] = [...new Set(exceptions)].sort().join(', ');
      const id = stableId('f', SOURCE, controlId, rk);
      findings.set(id, {
        id,
        source: SOURCE,
        ruleId: controlId,
        title: redactText(s(c.name) ?? controlId),
        status: cl.status,
        nativeStatus: cl.native,
        severity,
        resource,
        message: redactText(message),
        evidenceIds: [evId],
        properties: props,
      });
    }
    return true;
  };

  objects.scans.forEach((o, i) => {
    if (!isObj(o))
      fail(`workloadconfigurationscans[${i}]`, '', 'expected a WorkloadConfigurationScan object');
    if (!addControls(o, 'workloadconfigurationscans', true)) emptyScans++;
  });
  objects.summaries.forEach((o, i) => {
    if (!isObj(o))
      fail(
        `workloadconfigurationscansummaries[${i}]`,
        '',
        'expected a WorkloadConfigurationScanSummary object',
      );
    addControls(o, 'workloadconfigurationscansummaries', false);
  });
  if (emptyScans > 0) {
    notes.push(
      `${emptyScans} WorkloadConfigurationScan objects carried no controls (listed without spec); their summaries were used`,
    );
  }
  for (const e of objects.errors) notes.push(`${e.resource}: could not list: ${e.message}`);
  if (objects.notInstalled) {
    notes.push(
      `the API server does not serve ${GROUP}/${VERSION} workloadconfigurationscans: the Kubescape operator is not installed`,
    );
  } else if (objects.scans.length + objects.summaries.length === 0 && objects.errors.length === 0) {
    notes.push(
      'no Kubescape operator scan results found: the operator has not scanned yet, or is not installed',
    );
  }
  const nsCount = objects.namespaceSummaries.length;
  if (nsCount > 0)
    notes.push(`${nsCount} ConfigurationScanSummary objects (per-namespace severity counts) read`);

  const list = [...findings.values()].sort(
    (a, b) =>
      compareNatural(a.ruleId, b.ruleId) ||
      compareNatural(a.resource?.namespace ?? '', b.resource?.namespace ?? '') ||
      compareNatural(a.resource?.kind ?? '', b.resource?.kind ?? '') ||
      compareNatural(a.resource?.name ?? '', b.resource?.name ?? ''),
  );
  const count = (st: FindingStatus): number => list.filter((f) => f.status === st).length;
  const inputs: InputRecord[] = [
    { path: listPath(OPERATOR_RESOURCES.workloadConfigurationScans), format: 'kubescape-operator-scan' },
    {
      path: listPath(OPERATOR_RESOURCES.workloadConfigurationScanSummaries),
      format: 'kubescape-operator-summary',
    },
  ];
  const out: SourceOutput = {
    findings: list,
    evidence: [...evidence.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    inputs,
    notes,
    stats: {
      scans: objects.scans.length,
      summaries: objects.summaries.length,
      findings: list.length,
      pass: count('pass'),
      fail: count('fail'),
      waived: count('waived'),
      manual: count('manual'),
      skipped: count('skipped'),
    },
  };
  if (list.length === 0 && objects.errors.length === 0) {
    // Nothing to report is not a Kubescape result: the run is recorded as skipped, so its controls are
    // "not run" rather than "ran and found nothing".
    out.skipped = objects.notInstalled
      ? 'the Kubescape operator is not installed in this cluster'
      : 'the Kubescape operator has no configuration-scan results yet';
  }
  if (
    objects.errors.length > 0 &&
    list.length === 0 &&
    objects.scans.length + objects.summaries.length === 0
  ) {
    out.partialError = {
      code: 'kubescape-operator',
      message: `the Kubescape operator's results could not be listed: ${objects.errors.map((e) => `${e.resource}: ${e.message}`).join('; ')}`,
      hint: 'install the Kubescape operator, or grant "list" on spdx.softwarecomposition.kubescape.io workloadconfigurationscans and workloadconfigurationscansummaries',
    };
  }
  return out;
}
