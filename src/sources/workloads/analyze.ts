/**
 * analyzeWorkloads: pure analysis of pods, their controllers and namespaces.
 *
 * Pods are grouped under their top owner by following controller ownerReferences (Pod → ReplicaSet →
 * Deployment, Pod → Job → CronJob, Pod → StatefulSet / DaemonSet / ReplicationController); a bare pod is
 * its own unit. Each unit is checked through its pod template (when the controller is known) and each
 * of its pods, and yields at most one finding per rule, its pods listed (capped) as evidence. Namespaces
 * are checked for Pod Security Admission labels, NetworkPolicies, LimitRange and ResourceQuota.
 * System namespaces are assessed like any other and carry `properties.systemNamespace: true`.
 * Every rule yields an explicit PASS on `{kind: 'Cluster', name: 'workloads'}` when something was
 * assessed, nothing failed, and the input parsed completely.
 */
import type { Evidence, Finding, ResourceRef, Scalar, Severity } from '../../model/types.ts';
import type { SourceOutput } from '../types.ts';
import { stableId } from '../../util/hash.ts';
import { redactText } from '../../util/redact.ts';
import { apiPath, parseAll, sortByKey, type ObjectMeta } from '../rbac/kube-objects.ts';
import {
  DESCRIPTOR_BY_KIND,
  WORKLOAD_RESOURCES,
  parseController,
  parseMetaOnly,
  parseNamespace,
  parseNetworkPolicy,
  parsePod,
  parseServiceAccount,
  type ControllerObj,
  type PodObj,
  type PodSpecView,
} from './model.ts';
import { POD_CHECKS, type CheckContext, type PodCheck, type Violation } from './checks.ts';
import { NAMESPACE_CHECKS, analyzeNamespaces } from './namespaces.ts';

/** Raw Kubernetes objects as listed (items of each list). Absent lists count as not read. */
export interface WorkloadObjects {
  pods: readonly unknown[];
  replicaSets?: readonly unknown[];
  deployments?: readonly unknown[];
  statefulSets?: readonly unknown[];
  daemonSets?: readonly unknown[];
  jobs?: readonly unknown[];
  cronJobs?: readonly unknown[];
  replicationControllers?: readonly unknown[];
  namespaces?: readonly unknown[];
  networkPolicies?: readonly unknown[];
  limitRanges?: readonly unknown[];
  resourceQuotas?: readonly unknown[];
  serviceAccounts?: readonly unknown[];
}

export interface WorkloadsOptions {
  /** Namespaces reported with `systemNamespace: true`. Default: kube-system, kube-public, kube-node-lease. */
  systemNamespaces?: readonly string[];
  /** Pods listed per finding's evidence. Default 20. */
  maxPodsInEvidence?: number;
}

export const DEFAULT_SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'] as const;
const MAX_FIELDS_IN_EVIDENCE = 20;

interface Unit {
  kind: string;
  name: string;
  namespace?: string;
  /** The controller, when it was listed (its template is checked); absent for a bare pod or a missing owner. */
  controller?: ControllerObj;
  pod?: PodObj;
  pods: PodObj[];
}

interface RuleHits {
  fields: { path: string; value: Scalar; source: string }[];
  fieldCount: number;
  pods: string[];
  podCount: number;
  containers: Set<string>;
  templateFailed: boolean;
}

function unitKey(kind: string, ns: string | undefined, name: string): string {
  return `${kind}\u0000${ns ?? ''}\u0000${name}`;
}

/** Analyzes workloads (pure). */
export function analyzeWorkloads(
  objects: WorkloadObjects,
  ctx: { now: () => Date },
  opts: WorkloadsOptions = {},
): SourceOutput {
  const collectedAt = ctx.now().toISOString();
  const systemNs = new Set(opts.systemNamespaces ?? DEFAULT_SYSTEM_NAMESPACES);
  const maxPods = opts.maxPodsInEvidence ?? 20;
  const issues: string[] = [];
  const pods = parseAll(objects.pods, 'pods', parsePod, issues);
  const controllers: ControllerObj[] = [];
  const ctrlLists: [keyof WorkloadObjects, string, string][] = [
    ['replicaSets', 'ReplicaSet', 'replicasets'],
    ['deployments', 'Deployment', 'deployments'],
    ['statefulSets', 'StatefulSet', 'statefulsets'],
    ['daemonSets', 'DaemonSet', 'daemonsets'],
    ['jobs', 'Job', 'jobs'],
    ['cronJobs', 'CronJob', 'cronjobs'],
    ['replicationControllers', 'ReplicationController', 'replicationcontrollers'],
  ];
  for (const [key, kind, label] of ctrlLists)
    controllers.push(...parseAll(objects[key], label, parseController(kind), issues));

  // Indexes: by uid and by kind/namespace/name (offline manifests often carry no uid).
  const byUid = new Map<string, ControllerObj>();
  const byName = new Map<string, ControllerObj>();
  for (const c of controllers) {
    if (c.meta.uid) byUid.set(c.meta.uid, c);
    byName.set(unitKey(c.kind, c.meta.namespace, c.meta.name), c);
  }
  const ownerOf = (meta: ObjectMeta): { kind: string; name: string; obj?: ControllerObj } | undefined => {
    const ref = meta.ownerReferences.find((o) => o.controller) ?? meta.ownerReferences[0];
    if (!ref) return undefined;
    const obj =
      (ref.uid ? byUid.get(ref.uid) : undefined) ?? byName.get(unitKey(ref.kind, meta.namespace, ref.name));
    return obj ? { kind: obj.kind, name: obj.meta.name, obj } : { kind: ref.kind, name: ref.name };
  };
  const topOf = (c: ControllerObj): ControllerObj | { kind: string; name: string } => {
    let cur: ControllerObj = c;
    for (let depth = 0; depth < 5; depth++) {
      const o = ownerOf(cur.meta);
      if (!o) return cur;
      if (!o.obj) return DESCRIPTOR_BY_KIND.has(o.kind) ? { kind: o.kind, name: o.name } : cur;
      cur = o.obj;
    }
    return cur;
  };

  const units = new Map<string, Unit>();
  const unitFor = (kind: string, name: string, ns: string | undefined, controller?: ControllerObj): Unit => {
    const k = unitKey(kind, ns, name);
    let u = units.get(k);
    if (!u) {
      u = { kind, name, pods: [] };
      if (ns !== undefined) u.namespace = ns;
      if (controller) u.controller = controller;
      units.set(k, u);
    }
    return u;
  };
  // Top-level controllers are units even without pods (scaled to zero, or an offline manifest).
  for (const c of controllers) {
    const top = topOf(c);
    if (top === c) unitFor(c.kind, c.meta.name, c.meta.namespace, c);
  }
  for (const p of pods) {
    const o = ownerOf(p.meta);
    if (!o) {
      const u = unitFor('Pod', p.meta.name, p.meta.namespace);
      u.pod = p;
      u.pods.push(p);
      continue;
    }
    if (o.obj) {
      const top = topOf(o.obj);
      if ('meta' in top) unitFor(top.kind, top.meta.name, top.meta.namespace, top).pods.push(p);
      else unitFor(top.kind, top.name, p.meta.namespace).pods.push(p);
    } else if (DESCRIPTOR_BY_KIND.has(o.kind)) {
      unitFor(o.kind, o.name, p.meta.namespace).pods.push(p);
    } else if (o.kind !== 'Node') {
      // A custom controller (Argo Rollout, operator...): its replicas are one unit under that owner.
      unitFor(o.kind, o.name, p.meta.namespace).pods.push(p);
    } else {
      // A static (mirror) pod is owned by its Node, which is not a workload: the pod stands alone.
      const u = unitFor('Pod', p.meta.name, p.meta.namespace);
      u.pod = p;
      u.pods.push(p);
    }
  }

  const sas = parseAll(objects.serviceAccounts, 'serviceaccounts', parseServiceAccount, issues);
  const saIndex = new Map<string, boolean | undefined>();
  for (const sa of sas)
    saIndex.set(`${sa.meta.namespace ?? ''}/${sa.meta.name}`, sa.automountServiceAccountToken);
  const sasKnown = objects.serviceAccounts !== undefined;
  const serviceAccountAutomount: CheckContext['serviceAccountAutomount'] = (ns, name) => {
    const k = `${ns ?? ''}/${name}`;
    if (!saIndex.has(k)) return sasKnown ? undefined : 'unknown';
    return saIndex.get(k);
  };

  const findings: Finding[] = [];
  const evidence = new Map<string, Evidence>();
  const failedRules = new Set<string>();
  let assessedUnits = 0;

  const sortedUnits = sortByKey(units.values(), (u) => unitKey(u.kind, u.namespace, u.name));
  for (const u of sortedUnits) {
    const specs: { spec: PodSpecView; source: string; prefix: string; pod?: string }[] = [];
    if (u.controller?.spec)
      specs.push({ spec: u.controller.spec, source: 'template', prefix: u.controller.specPath });
    for (const p of u.pods)
      specs.push({ spec: p.spec, source: `pod ${p.meta.name}`, prefix: 'spec', pod: p.meta.name });
    if (specs.length === 0) continue;
    assessedUnits++;
    const cctx: CheckContext = { serviceAccountAutomount, namespace: u.namespace };
    const hits = new Map<string, RuleHits>();
    for (const s of specs) {
      for (const check of POD_CHECKS) {
        const v = check.check(s.spec, cctx);
        if (v.length === 0) continue;
        let h = hits.get(check.id);
        if (!h)
          hits.set(
            check.id,
            (h = {
              fields: [],
              fieldCount: 0,
              pods: [],
              podCount: 0,
              containers: new Set(),
              templateFailed: false,
            }),
          );
        if (s.pod !== undefined) {
          h.podCount++;
          if (h.pods.length < maxPods) h.pods.push(s.pod);
        } else h.templateFailed = true;
        addFields(h, v, s.prefix, s.source);
      }
    }
    const isSystem = u.namespace !== undefined && systemNs.has(u.namespace);
    for (const check of POD_CHECKS) {
      const h = hits.get(check.id);
      if (!h) continue;
      failedRules.add(check.id);
      const f = unitFinding(check, u, h, isSystem, collectedAt, evidence);
      findings.push(f);
    }
    if (u.namespace === 'default') {
      failedRules.add(DEFAULT_NS_RULE.id);
      findings.push(defaultNsFinding(u, collectedAt, evidence));
    }
  }

  const nsResult = analyzeNamespaces(
    {
      namespaces: objects.namespaces
        ? parseAll(objects.namespaces, 'namespaces', parseNamespace, issues)
        : undefined,
      networkPolicies: objects.networkPolicies
        ? parseAll(objects.networkPolicies, 'networkpolicies', parseNetworkPolicy, issues)
        : undefined,
      limitRanges: objects.limitRanges
        ? parseAll(objects.limitRanges, 'limitranges', parseMetaOnly, issues)
        : undefined,
      resourceQuotas: objects.resourceQuotas
        ? parseAll(objects.resourceQuotas, 'resourcequotas', parseMetaOnly, issues)
        : undefined,
    },
    systemNs,
    collectedAt,
  );
  findings.push(...nsResult.findings);
  for (const e of nsResult.evidence) evidence.set(e.id, e);
  for (const f of nsResult.findings) if (f.status === 'fail') failedRules.add(f.ruleId);

  // Explicit passes: only for rules that assessed something, from a complete parse.
  const complete = issues.length === 0;
  const podRules: { id: string; title: string; severity: Severity }[] = [...POD_CHECKS, DEFAULT_NS_RULE];
  if (complete && assessedUnits > 0) {
    for (const r of podRules) {
      if (r.id === 'workloads.sa-token-automount' && !sasKnown) continue;
      if (!failedRules.has(r.id))
        findings.push(
          passFinding(
            r,
            `No workload of the ${assessedUnits} assessed violates this rule.`,
            { workloads: assessedUnits, pods: pods.length },
            collectedAt,
            evidence,
          ),
        );
    }
  }
  if (complete && nsResult.assessed > 0) {
    for (const r of NAMESPACE_CHECKS) {
      if (!failedRules.has(r.id) && nsResult.ran.has(r.id)) {
        findings.push(
          passFinding(
            r,
            `No namespace of the ${nsResult.assessed} assessed violates this rule.`,
            { namespaces: nsResult.assessed },
            collectedAt,
            evidence,
          ),
        );
      }
    }
  }

  const notes: string[] = [...nsResult.notes];
  if (issues.length > 0) notes.push(...issues.slice(0, 20).map((i) => `skipped malformed object: ${i}`));
  if (!complete) notes.push('PASS findings withheld: some objects could not be parsed.');
  if (assessedUnits === 0)
    notes.push('No pods or workload controllers were read: pod-level rules did not run.');
  if (!sasKnown) {
    notes.push(
      'Service accounts not read: pods that leave automountServiceAccountToken unset were not judged, and workloads.sa-token-automount has no PASS.',
    );
  }

  const out: SourceOutput = {
    findings: sortByKey(
      findings,
      (f) =>
        `${f.ruleId}\u0000${f.status}\u0000${f.resource?.namespace ?? ''}\u0000${f.resource?.kind}\u0000${f.resource?.name}`,
    ),
    evidence: sortByKey(evidence.values(), (e) => e.id),
    inputs: [],
    stats: {
      pods: pods.length,
      controllers: controllers.length,
      workloadUnits: assessedUnits,
      namespaces: nsResult.assessed,
      malformed: issues.length,
    },
    notes,
  };
  if (issues.length > 0) {
    out.partialError = {
      code: 'workloads-malformed',
      message: `${issues.length} object(s) skipped as malformed; first: ${issues[0]}`,
      hint: 'Check the API server version or the snapshot file these objects came from.',
    };
  }
  return out;
}

function addFields(h: RuleHits, v: Violation[], prefix: string, source: string): void {
  for (const x of v) {
    if (x.container !== undefined) h.containers.add(x.container);
    h.fieldCount++;
    // Pods of one controller usually repeat the template: keep each distinct (path, value) once.
    const path = x.path.startsWith('metadata.')
      ? prefix === 'spec'
        ? x.path
        : prefix.replace(/spec$/, '') + x.path
      : `${prefix}.${x.path}`;
    if (
      h.fields.length < MAX_FIELDS_IN_EVIDENCE &&
      !h.fields.some((f) => f.path === path && f.value === x.value)
    ) {
      h.fields.push({ path, value: x.value, source });
    }
  }
}

const DEFAULT_NS_RULE = {
  id: 'workloads.default-namespace',
  title: 'Workload in the default namespace',
  severity: 'low' as Severity,
  remediation: 'Deploy workloads into dedicated namespaces with their own policies.',
};

function unitPath(u: Unit): string | undefined {
  const d = DESCRIPTOR_BY_KIND.get(u.kind);
  return d ? apiPath(d, u.name, u.namespace) : undefined;
}

/**
 * Where the evidence was read: the unit's API path when that object was listed (the controller, or a
 * bare pod); otherwise (a custom controller's replicas, or an owner missing from the lists) its first pod's.
 */
function locatorOf(u: Unit, path: string | undefined): { apiPath?: string } {
  if (path && (u.controller || u.pod || u.pods.length === 0)) return { apiPath: path };
  const first = u.pods[0];
  return first ? { apiPath: apiPath(WORKLOAD_RESOURCES.pods, first.meta.name, first.meta.namespace) } : {};
}

function resourceOf(u: Unit): ResourceRef {
  const r: ResourceRef = { kind: u.kind, name: u.name };
  if (u.namespace !== undefined) r.namespace = u.namespace;
  return r;
}

function findingId(ruleId: string, r: ResourceRef): string {
  return stableId('finding', 'workloads', ruleId, '', r.kind, r.namespace, r.name);
}

function unitFinding(
  check: PodCheck,
  u: Unit,
  h: RuleHits,
  isSystem: boolean,
  collectedAt: string,
  evidence: Map<string, Evidence>,
): Finding {
  const resource = resourceOf(u);
  const path = unitPath(u);
  const evId = stableId('evidence', 'workloads', check.id, path ?? unitKey(u.kind, u.namespace, u.name));
  evidence.set(evId, {
    id: evId,
    source: 'workloads',
    kind: 'api-object',
    collectedAt,
    locator: locatorOf(u, path),
    excerpt: {
      kind: u.kind,
      name: u.name,
      ...(u.namespace !== undefined ? { namespace: u.namespace } : {}),
      rule: check.id,
      // Only setting values are quoted (never env values); strings still pass through redaction.
      fields: h.fields.map((f) => ({
        path: f.path,
        value: typeof f.value === 'string' ? redactText(f.value) : f.value,
        from: f.source,
      })),
      ...(h.fieldCount > h.fields.length ? { moreFields: h.fieldCount - h.fields.length } : {}),
      pods: { total: u.pods.length, affected: h.podCount, names: h.pods },
    },
  });
  const first = h.fields[0];
  const containers = [...h.containers].sort();
  const where = u.namespace !== undefined ? `${u.namespace}/${u.name}` : u.name;
  const podNote =
    u.kind === 'Pod'
      ? ''
      : ` (${h.podCount} of ${u.pods.length} pod${u.pods.length === 1 ? '' : 's'} affected${h.templateFailed ? ', and its pod template' : ''})`;
  const props: Record<string, Scalar> = {
    systemNamespace: isSystem,
    level: check.level,
    pods: u.pods.length,
    affectedPods: h.podCount,
    template: h.templateFailed,
  };
  if (containers.length) props['containers'] = containers.join(',');
  return {
    id: findingId(check.id, resource),
    source: 'workloads',
    ruleId: check.id,
    title: check.title,
    status: 'fail',
    nativeStatus: 'fail',
    severity: check.severity,
    resource,
    message: `${u.kind} ${where}: ${check.title.toLowerCase()}${containers.length ? ` in container${containers.length > 1 ? 's' : ''} ${containers.join(', ')}` : ''}${first ? ` (${first.path} = ${JSON.stringify(first.value)})` : ''}${podNote}.`,
    remediation: check.remediation,
    evidenceIds: [evId],
    properties: props,
  };
}

function defaultNsFinding(u: Unit, collectedAt: string, evidence: Map<string, Evidence>): Finding {
  const resource = resourceOf(u);
  const path = unitPath(u);
  const evId = stableId(
    'evidence',
    'workloads',
    DEFAULT_NS_RULE.id,
    path ?? unitKey(u.kind, u.namespace, u.name),
  );
  evidence.set(evId, {
    id: evId,
    source: 'workloads',
    kind: 'api-object',
    collectedAt,
    locator: locatorOf(u, path),
    excerpt: {
      kind: u.kind,
      name: u.name,
      namespace: u.namespace,
      fields: [{ path: 'metadata.namespace', value: 'default' }],
    },
  });
  return {
    id: findingId(DEFAULT_NS_RULE.id, resource),
    source: 'workloads',
    ruleId: DEFAULT_NS_RULE.id,
    title: DEFAULT_NS_RULE.title,
    status: 'fail',
    nativeStatus: 'fail',
    severity: DEFAULT_NS_RULE.severity,
    resource,
    message: `${u.kind} ${u.name} runs in the default namespace.`,
    remediation: DEFAULT_NS_RULE.remediation,
    evidenceIds: [evId],
    properties: { systemNamespace: false, pods: u.pods.length },
  };
}

function passFinding(
  rule: { id: string; title: string; severity: Severity },
  message: string,
  scope: Record<string, Scalar>,
  collectedAt: string,
  evidence: Map<string, Evidence>,
): Finding {
  const resource: ResourceRef = { kind: 'Cluster', name: 'workloads' };
  // The pass is traceable: a derived evidence records what was assessed.
  const evId = stableId('evidence', 'workloads', 'assessed', rule.id);
  evidence.set(evId, {
    id: evId,
    source: 'workloads',
    kind: 'derived',
    collectedAt,
    locator: {},
    excerpt: { view: 'assessment', rule: rule.id, result: 'no violation', ...scope },
  });
  return {
    id: findingId(rule.id, resource),
    source: 'workloads',
    ruleId: rule.id,
    title: rule.title,
    status: 'pass',
    nativeStatus: 'pass',
    severity: rule.severity,
    resource,
    message,
    evidenceIds: [evId],
  };
}

export const WORKLOAD_RULE_IDS: readonly string[] = [
  ...POD_CHECKS.map((c) => c.id),
  DEFAULT_NS_RULE.id,
  ...NAMESPACE_CHECKS.map((c) => c.id),
];

export { WORKLOAD_RESOURCES };
