/**
 * Minimal, validated views of the Kubernetes objects the rbac and workloads sources read, and the
 * injected lister both sources collect through. Parsing is lenient about absent optional fields
 * (Kubernetes omits empty lists) and strict about wrong types: a malformed object raises a
 * ParseIssue with a path such as `clusterroles[3].rules[0].verbs: expected array of strings, got string`.
 */

/** Which API list an object comes from. `kind` is the singular kind the list holds. */
export interface ResourceDescriptor {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /**
   * Optional projection of each item onto the fields its parser reads, applied by live lists as pages
   * arrive (see ResourceRef.project in src/kube/types.ts); readers may ignore it.
   */
  project?: <T extends Rec>(item: T) => T;
}

/** Injected I/O: yields every item of one resource list (live API, paginated, or an offline snapshot). */
export type Lister = (resource: ResourceDescriptor) => AsyncIterable<unknown>;

export interface OwnerRef {
  kind: string;
  name: string;
  uid?: string;
  controller: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ownerReferences: OwnerRef[];
}

/** A shape problem in one input object; the analyzers skip the object and record the message. */
export class ParseIssue extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'ParseIssue';
    this.path = path;
  }
}

export type Rec = Record<string, unknown>;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function rec(v: unknown, path: string): Rec {
  if (!isRec(v)) throw new ParseIssue(path, `expected object, got ${describe(v)}`);
  return v;
}

/** An optional object field: absent or null → undefined. */
export function optRec(v: unknown, path: string): Rec | undefined {
  return v === undefined || v === null ? undefined : rec(v, path);
}

export function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new ParseIssue(path, `expected string, got ${describe(v)}`);
  return v;
}

export function optStr(v: unknown, path: string): string | undefined {
  return v === undefined || v === null ? undefined : str(v, path);
}

export function optBool(v: unknown, path: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ParseIssue(path, `expected boolean, got ${describe(v)}`);
  return v;
}

export function optNum(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new ParseIssue(path, `expected number, got ${describe(v)}`);
  return v;
}

/** An optional list: absent or null → []. */
export function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ParseIssue(path, `expected array, got ${describe(v)}`);
  return v;
}

export function strArr(v: unknown, path: string): string[] {
  const a = arr(v, path);
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'string')
      throw new ParseIssue(`${path}[${i}]`, `expected string, got ${describe(a[i])}`);
  }
  return a as string[];
}

export function strMap(v: unknown, path: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  const r = rec(v, path);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(r)) out[k] = typeof val === 'string' ? val : String(val);
  return out;
}

export function parseMeta(v: unknown, path: string): ObjectMeta {
  const m = rec(v, path);
  const owners = arr(m['ownerReferences'], `${path}.ownerReferences`).map((o, i) => {
    const p = `${path}.ownerReferences[${i}]`;
    const r = rec(o, p);
    return {
      kind: str(r['kind'], `${p}.kind`),
      name: str(r['name'], `${p}.name`),
      uid: optStr(r['uid'], `${p}.uid`),
      controller: optBool(r['controller'], `${p}.controller`) ?? false,
    };
  });
  const meta: ObjectMeta = {
    name: str(m['name'], `${path}.name`),
    labels: strMap(m['labels'], `${path}.labels`),
    annotations: strMap(m['annotations'], `${path}.annotations`),
    ownerReferences: owners,
  };
  const ns = optStr(m['namespace'], `${path}.namespace`);
  if (ns !== undefined) meta.namespace = ns;
  const uid = optStr(m['uid'], `${path}.uid`);
  if (uid !== undefined) meta.uid = uid;
  return meta;
}

/** The API path of one object, as an auditor would GET it: `/apis/apps/v1/namespaces/x/deployments/y`. */
export function apiPath(d: ResourceDescriptor, name: string, namespace?: string): string {
  const base = d.group === '' ? `/api/${d.version}` : `/apis/${d.group}/${d.version}`;
  const ns = d.namespaced && namespace !== undefined ? `/namespaces/${namespace}` : '';
  return `${base}${ns}/${d.plural}/${name}`;
}

/** The cluster-wide list path of a resource: `/apis/rbac.authorization.k8s.io/v1/clusterroles`. */
export function listPath(d: ResourceDescriptor): string {
  return `${d.group === '' ? `/api/${d.version}` : `/apis/${d.group}/${d.version}`}/${d.plural}`;
}

/**
 * Parses each item with `parse`, skipping (and describing) malformed ones, so one bad object does not
 * hide the rest of the cluster. `label` names the list in paths (`clusterroles`).
 */
export function parseAll<T>(
  items: readonly unknown[] | undefined,
  label: string,
  parse: (v: unknown, path: string) => T,
  issues: string[],
): T[] {
  const out: T[] = [];
  if (!items) return out;
  for (let i = 0; i < items.length; i++) {
    try {
      out.push(parse(items[i], `${label}[${i}]`));
    } catch (err) {
      if (err instanceof ParseIssue) issues.push(err.message);
      else throw err;
    }
  }
  return out;
}

/** Drains a lister into an array (the sources hold a whole snapshot in memory to index it). */
export async function collectList(
  list: Lister,
  d: ResourceDescriptor,
  signal?: AbortSignal,
): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of list(d)) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
    out.push(item);
  }
  return out;
}

/** Stable sort by a string key computed once per element (code-unit order, locale-independent). */
export function sortByKey<T>(items: Iterable<T>, key: (t: T) => string): T[] {
  const keyed = Array.from(items, (item) => ({ k: key(item), item }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.item);
}
