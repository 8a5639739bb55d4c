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

/**
 * A field path built only when a message needs it: a parent path and a key (`.name`, or an index for
 * `[3]`). Parsers pass (parent, key) pairs or FieldPaths down instead of formatting a string for every
 * field of every object, which most of the time nobody reads.
 */
export class FieldPath {
  readonly base: Path;
  readonly key: string | number;
  constructor(base: Path, key: string | number) {
    this.base = base;
    this.key = key;
  }
  toString(): string {
    return join(this.base, this.key);
  }
}

/** A path as a string, or lazily as a FieldPath. */
export type Path = string | FieldPath;

function join(base: Path, key: string | number): string {
  const b = typeof base === 'string' ? base : base.toString();
  return typeof key === 'number' ? `${b}[${key}]` : `${b}${key}`;
}

/** `base` + `key` (`.name` or an index) as a lazy path. */
export function at(base: Path, key: string | number): FieldPath {
  return new FieldPath(base, key);
}

/** The path text: `path`, or `path` followed by `key` when given. */
function pathText(path: Path, key: string | number | undefined): string {
  return key === undefined ? (typeof path === 'string' ? path : path.toString()) : join(path, key);
}

/**
 * Validators: each takes the value, its path, and optionally a key appended to the path (so a field check
 * such as `str(r['name'], path, '.name')` allocates nothing unless it fails).
 */
export function rec(v: unknown, path: Path, key?: string | number): Rec {
  if (!isRec(v)) throw new ParseIssue(pathText(path, key), `expected object, got ${describe(v)}`);
  return v;
}

/** An optional object field: absent or null → undefined. */
export function optRec(v: unknown, path: Path, key?: string | number): Rec | undefined {
  return v === undefined || v === null ? undefined : rec(v, path, key);
}

export function str(v: unknown, path: Path, key?: string | number): string {
  if (typeof v !== 'string') throw new ParseIssue(pathText(path, key), `expected string, got ${describe(v)}`);
  return v;
}

export function optStr(v: unknown, path: Path, key?: string | number): string | undefined {
  return v === undefined || v === null ? undefined : str(v, path, key);
}

export function optBool(v: unknown, path: Path, key?: string | number): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean')
    throw new ParseIssue(pathText(path, key), `expected boolean, got ${describe(v)}`);
  return v;
}

export function optNum(v: unknown, path: Path, key?: string | number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new ParseIssue(pathText(path, key), `expected number, got ${describe(v)}`);
  return v;
}

/** An optional list: absent or null → []. */
export function arr(v: unknown, path: Path, key?: string | number): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ParseIssue(pathText(path, key), `expected array, got ${describe(v)}`);
  return v;
}

export function strArr(v: unknown, path: Path, key?: string | number): string[] {
  const a = arr(v, path, key);
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'string')
      throw new ParseIssue(`${pathText(path, key)}[${i}]`, `expected string, got ${describe(a[i])}`);
  }
  return a as string[];
}

export function strMap(v: unknown, path: Path, key?: string | number): Record<string, string> {
  if (v === undefined || v === null) return {};
  const r = rec(v, path, key);
  const out: Record<string, string> = {};
  // Object.keys, not entries: same order, no pair arrays.
  for (const k of Object.keys(r)) {
    const val = r[k];
    out[k] = typeof val === 'string' ? val : String(val);
  }
  return out;
}

export function parseMeta(v: unknown, path: Path, key?: string | number): ObjectMeta {
  const p = key === undefined ? path : at(path, key);
  const m = rec(v, p);
  const refs = arr(m['ownerReferences'], p, '.ownerReferences');
  const owners: OwnerRef[] = [];
  if (refs.length > 0) {
    const rp = at(p, '.ownerReferences');
    for (let i = 0; i < refs.length; i++) {
      const r = rec(refs[i], rp, i);
      const op = at(rp, i);
      owners.push({
        kind: str(r['kind'], op, '.kind'),
        name: str(r['name'], op, '.name'),
        uid: optStr(r['uid'], op, '.uid'),
        controller: optBool(r['controller'], op, '.controller') ?? false,
      });
    }
  }
  const meta: ObjectMeta = {
    name: str(m['name'], p, '.name'),
    labels: strMap(m['labels'], p, '.labels'),
    annotations: strMap(m['annotations'], p, '.annotations'),
    ownerReferences: owners,
  };
  const ns = optStr(m['namespace'], p, '.namespace');
  if (ns !== undefined) meta.namespace = ns;
  const uid = optStr(m['uid'], p, '.uid');
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
  parse: (v: unknown, path: Path) => T,
  issues: string[],
): T[] {
  const out: T[] = [];
  if (!items) return out;
  for (let i = 0; i < items.length; i++) {
    try {
      out.push(parse(items[i], at(label, i)));
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

/** One list's outcome in collectLists: its items, or the error that stopped it. */
export type ListOutcome = { items: unknown[] } | { error: unknown };

/**
 * Drains several lists with at most `concurrency` in flight (a list's pages are still read in order), so
 * the client parses one list's page while the server prepares another's. Outcomes follow `ds` order; a
 * failed list does not stop the others (the caller decides, in order, which failures are fatal).
 */
export async function collectLists(
  list: Lister,
  ds: readonly ResourceDescriptor[],
  signal?: AbortSignal,
  concurrency = 4,
): Promise<ListOutcome[]> {
  const out: ListOutcome[] = new Array<ListOutcome>(ds.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ds.length) {
      const i = next++;
      try {
        out[i] = { items: await collectList(list, ds[i]!, signal) };
      } catch (error) {
        out[i] = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ds.length) }, worker));
  return out;
}

/** Stable sort by a string key computed once per element (code-unit order, locale-independent). */
export function sortByKey<T>(items: Iterable<T>, key: (t: T) => string): T[] {
  const keyed = Array.from(items, (item) => ({ k: key(item), item }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.item);
}
