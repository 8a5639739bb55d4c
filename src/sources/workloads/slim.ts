/**
 * Projections of listed objects onto the fields the workloads parsers (model.ts) read, applied by a live
 * list as its pages arrive (ResourceRef.project) so 20,000 pods are held as small views rather than whole
 * objects (status, managedFields, probes, env values... are dropped).
 *
 * Contract: parsing a projection gives exactly what parsing the whole object gives, including every
 * ParseIssue message. So a projection only ever drops keys the parser never reads, keeps every value it
 * does read by reference, and leaves any value of an unexpected type untouched for the parser to reject.
 */
import { isRec, type Rec } from '../rbac/kube-objects.ts';

/** The keys of `v` named in `keys` (those present), or `v` itself when it is not an object. */
function pick(v: unknown, keys: readonly string[]): unknown {
  if (!isRec(v)) return v;
  const out: Rec = {};
  for (const k of keys) if (k in v) out[k] = v[k];
  return out;
}

/** Applies `f` to the object elements of an array; anything else is returned as is. */
function mapArr(v: unknown, f: (x: Rec) => unknown): unknown {
  if (!Array.isArray(v)) return v;
  return v.map((x: unknown) => (isRec(x) ? f(x) : x));
}

const META_KEYS = ['name', 'namespace', 'uid', 'labels', 'annotations', 'ownerReferences'] as const;
const ENV_KEYS = ['name', 'valueFrom'] as const;
const CONTAINER_GROUPS = ['containers', 'initContainers', 'ephemeralContainers'] as const;
const SPEC_KEYS = [
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'serviceAccountName',
  'serviceAccount',
  'securityContext',
  'automountServiceAccountToken',
  'volumes',
] as const;

function slimContainer(c: Rec): Rec {
  const out: Rec = {};
  for (const k of ['name', 'image', 'securityContext', 'ports', 'envFrom'] as const)
    if (k in c) out[k] = c[k];
  if ('resources' in c) out['resources'] = pick(c['resources'], ['limits']);
  if ('env' in c) out['env'] = mapArr(c['env'], (e) => pick(e, ENV_KEYS));
  return out;
}

function slimPodSpec(v: unknown): unknown {
  if (!isRec(v)) return v;
  const out: Rec = {};
  for (const g of CONTAINER_GROUPS) if (g in v) out[g] = mapArr(v[g], slimContainer);
  for (const k of SPEC_KEYS) if (k in v) out[k] = v[k];
  return out;
}

/** Top-level keys kept on every projection besides metadata (never read by the parsers, but cheap). */
function base<T extends Rec>(o: T): Rec {
  const out: Rec = {};
  if ('apiVersion' in o) out['apiVersion'] = o['apiVersion'];
  if ('kind' in o) out['kind'] = o['kind'];
  if ('metadata' in o) out['metadata'] = pick(o['metadata'], META_KEYS);
  return out;
}

/** A pod: metadata and the spec fields parsePod reads. */
export function slimPod<T extends Rec>(o: T): T {
  const out = base(o);
  if ('spec' in o) out['spec'] = slimPodSpec(o['spec']);
  return out as T;
}

/** A controller: metadata and the pod template at `segments` (as parseController walks it). */
function slimTemplateAt(v: unknown, segments: readonly string[]): unknown {
  if (segments.length === 0) {
    if (!isRec(v)) return v;
    const out: Rec = {};
    if ('metadata' in v) out['metadata'] = pick(v['metadata'], ['annotations']);
    if ('spec' in v) out['spec'] = slimPodSpec(v['spec']);
    return out;
  }
  if (!isRec(v)) return v;
  const [s, ...rest] = segments as [string, ...string[]];
  return s in v ? { [s]: slimTemplateAt(v[s], rest) } : {};
}

export function slimController(kind: string): <T extends Rec>(o: T) => T {
  // The path below `spec` that parseController reads; keep in step with model.ts templateAt().
  const segments = kind === 'CronJob' ? ['jobTemplate', 'spec', 'template'] : ['template'];
  return <T extends Rec>(o: T): T => {
    const out = base(o);
    if ('spec' in o) out['spec'] = slimTemplateAt(o['spec'], segments);
    return out as T;
  };
}

/** Objects of which only metadata is read (namespaces, LimitRanges, ResourceQuotas). */
export function slimMetaOnly<T extends Rec>(o: T): T {
  return base(o) as T;
}

/** A ServiceAccount: metadata and automountServiceAccountToken. */
export function slimServiceAccount<T extends Rec>(o: T): T {
  const out = base(o);
  if ('automountServiceAccountToken' in o)
    out['automountServiceAccountToken'] = o['automountServiceAccountToken'];
  return out as T;
}

/** A NetworkPolicy: metadata and its (small) spec, whole. */
export function slimNetworkPolicy<T extends Rec>(o: T): T {
  const out = base(o);
  if ('spec' in o) out['spec'] = o['spec'];
  return out as T;
}
