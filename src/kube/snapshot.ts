/**
 * Offline cluster snapshots (`--snapshot PATH`, repeatable): `kubectl get ... -o json|yaml` output read
 * into an in-memory object store with the same ClusterReader interface as the live client.
 *
 * Accepted: List objects (`kind: List` or `<Kind>List`), bare JSON arrays, single objects, multi-document
 * YAML, arrays of Lists, directories (recursive; `.json`, `.yaml`, `.yml`, each optionally `.gz`), gzip
 * detected by magic bytes. Unparseable files are InputErrors naming the file (and the YAML document).
 * Documents that are not Kubernetes objects are skipped with a note. Secret values are replaced by
 * `[REDACTED]` as each object is loaded. Duplicates (same group, resource, namespace, name) keep the first.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { InputError } from '../errors.ts';
import { sha256Hex } from '../util/hash.ts';
import { itemKind, resourceForObject, splitApiVersion } from './resources.ts';
import { scrubSecret } from './secrets.ts';
import { matchesFields, matchesLabels } from './selector.ts';
import type {
  ClusterIdentity,
  ClusterReader,
  KubeObject,
  ListOptions,
  ResourceRef,
  ServerVersion,
} from './types.ts';
import { jsonErrorMessage } from '../util/json-error.ts';

const EXTENSIONS = /\.(json|ya?ml)(\.gz)?$/i;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Files under `p` (recursively for directories, sorted), or `p` itself. */
function expand(p: string): string[] {
  let st;
  try {
    st = statSync(p);
  } catch {
    throw new InputError(p, 'no such file or directory', {
      hint: 'pass kubectl get -o json|yaml output files or a directory of them to --snapshot',
    });
  }
  if (!st.isDirectory()) return [p];
  const out: string[] = [];
  for (const entry of readdirSync(p, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )) {
    const full = path.join(p, entry.name);
    if (entry.isDirectory()) out.push(...expand(full));
    else if (entry.isFile() && EXTENSIONS.test(entry.name)) out.push(full);
  }
  return out;
}

/** One snapshot file as read: its path, the SHA-256 and size of its bytes (as stored, before gunzip). */
export interface SnapshotFile {
  path: string;
  sha256: string;
  bytes: number;
}

/** Parsed documents of one file: JSON is one document, YAML may hold several. */
function parseFile(file: string, onRead: (f: SnapshotFile) => void): unknown[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new InputError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  onRead({ path: file, sha256: sha256Hex(bytes), bytes: bytes.length });
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new InputError(file, 'invalid gzip data');
    }
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const name = file.replace(/\.gz$/i, '');
  const looksJson = /\.json$/i.test(name) || (!/\.ya?ml$/i.test(name) && /^\s*[[{]/.test(text));
  if (looksJson) {
    try {
      return [JSON.parse(text) as unknown];
    } catch (err) {
      throw new InputError(file, `invalid JSON: ${jsonErrorMessage(err)}`, {
        hint: 'expected the output of kubectl get -o json',
      });
    }
  }
  const docs = parseAllDocuments(text, { logLevel: 'error' });
  if (!Array.isArray(docs)) throw new InputError(file, 'invalid YAML');
  return docs.map((doc, i) => {
    const first = doc.errors[0];
    if (first) {
      throw new InputError(
        file,
        `invalid YAML: ${(first.message.split('\n')[0] ?? '').replace(/:\s*$/, '')}`,
        {
          path: `document ${i + 1}`,
          hint: 'expected the output of kubectl get -o yaml (documents separated by ---)',
        },
      );
    }
    return doc.toJSON() as unknown;
  });
}

/** Names the tool whose output `docs` looks like, for the error message; undefined when unsure. */
function otherTool(docs: unknown[]): string | undefined {
  const first = Array.isArray(docs[0]) ? (docs[0] as unknown[])[0] : docs[0];
  if (!isRecord(first)) return undefined;
  if ('Controls' in first || ('tests' in first && 'node_type' in first)) return 'kube-bench';
  if ('summaryDetails' in first || ('resources' in first && 'results' in first)) return 'Kubescape';
  return undefined;
}

/** Yields `items` asynchronously (one microtask per item, so consumers interleave as with the live client). */
async function* toAsync<T>(items: readonly T[]): AsyncGenerator<T, void, undefined> {
  for (const item of items) yield await Promise.resolve(item);
}

/** A summary row: how many objects of each resource the snapshot holds. */
export interface SnapshotCount {
  group: string;
  plural: string;
  kind: string;
  count: number;
}

/** An in-memory cluster read from snapshot files. Objects are shared: callers must not mutate them. */
export class SnapshotReader implements ClusterReader {
  readonly notes: string[] = [];
  readonly files: string[] = [];
  /** Every file read, with its hash: the raw inputs an auditor checks the evidence against. */
  readonly fileRecords: SnapshotFile[] = [];
  /** Files of a snapshot directory that could not be read (skipped; the cluster sources are then partial). */
  readonly failed: InputError[] = [];
  /** `group/plural/namespace/name` → the file the kept object came from. */
  private readonly fileOf = new Map<string, string>();
  private readonly byResource = new Map<string, Map<string, KubeObject>>();
  private readonly kinds = new Map<string, string>();
  private duplicates = 0;
  /** Kubernetes objects seen, duplicates included. */
  private objects = 0;

  /** Adds one file's objects (exported for tests; use loadSnapshot). */
  addFile(file: string): void {
    this.files.push(file);
    const docs = parseFile(file, (f) => this.fileRecords.push(f));
    let skipped = 0;
    const before = this.objects;
    docs.forEach((doc, d) => {
      skipped += this.addValue(doc, file, docs.length > 1 ? `document ${d + 1}` : '', undefined);
    });
    if (this.objects === before && skipped > 0) {
      // Entries, but none a Kubernetes object: another tool's output given as a snapshot.
      const tool = otherTool(docs);
      throw new InputError(
        file,
        `holds no Kubernetes objects${tool ? ` (this looks like ${tool} output)` : ''}`,
        {
          hint: `pass kubectl get -o json|yaml output to --snapshot${tool ? `; ${tool} output goes to --${tool.toLowerCase()}` : ''}`,
        },
      );
    }
    if (skipped > 0) {
      this.notes.push(
        `${file}: skipped ${skipped} ${skipped === 1 ? 'entry that is not a Kubernetes object' : 'entries that are not Kubernetes objects'} (no apiVersion, kind or metadata.name)`,
      );
    }
  }

  /** Returns how many entries were skipped. `listType` carries a typed List's apiVersion/kind to its items. */
  private addValue(
    v: unknown,
    file: string,
    where: string,
    listType: { apiVersion: string; kind: string } | undefined,
  ): number {
    if (v === null || v === undefined) return 0;
    if (Array.isArray(v))
      return v.reduce<number>((n, x, i) => n + this.addValue(x, file, `${where}[${i}]`, undefined), 0);
    if (!isRecord(v)) return 1;
    if (Array.isArray(v['items']) && typeof v['kind'] === 'string' && v['kind'].endsWith('List')) {
      const k = itemKind(v['kind']);
      const typed =
        k && typeof v['apiVersion'] === 'string' ? { apiVersion: v['apiVersion'], kind: k } : undefined;
      return (v['items'] as unknown[]).reduce<number>(
        (n, x, i) => n + this.addValue(x, file, `${where}.items[${i}]`, typed),
        0,
      );
    }
    const apiVersion = typeof v['apiVersion'] === 'string' ? v['apiVersion'] : listType?.apiVersion;
    const kind = typeof v['kind'] === 'string' ? v['kind'] : listType?.kind;
    const meta = v['metadata'];
    if (!apiVersion || !kind || !isRecord(meta) || typeof meta['name'] !== 'string' || meta['name'] === '')
      return 1;
    if (meta['namespace'] !== undefined && typeof meta['namespace'] !== 'string') {
      throw new InputError(file, `metadata.namespace: expected string, got ${typeof meta['namespace']}`, {
        path: where || undefined,
      });
    }
    this.objects++;
    const obj = scrubSecret({ ...v, apiVersion, kind } as KubeObject);
    const res = resourceForObject(apiVersion, kind);
    const rkey = `${res.group}/${res.plural}`;
    this.kinds.set(rkey, kind);
    let store = this.byResource.get(rkey);
    if (!store) {
      store = new Map<string, KubeObject>();
      this.byResource.set(rkey, store);
    }
    const okey = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    if (store.has(okey)) this.duplicates++;
    else {
      store.set(okey, obj);
      this.fileOf.set(`${rkey}/${okey}`, file);
    }
    return 0;
  }

  /**
   * The snapshot file an object was read from, by its API path (`/api/v1/namespaces/x/pods/y`,
   * `/apis/rbac.authorization.k8s.io/v1/clusterroles/z`); undefined when the path names no loaded object.
   */
  fileFor(apiPath: string): string | undefined {
    const parts = apiPath.split('/').filter((x) => x !== '');
    let rest: string[];
    let group: string;
    if (parts[0] === 'api') [group, rest] = ['', parts.slice(2)];
    else if (parts[0] === 'apis' && parts.length > 2) [group, rest] = [parts[1]!, parts.slice(3)];
    else return undefined;
    let ns = '';
    if (rest[0] === 'namespaces' && rest.length === 4) [ns, rest] = [rest[1]!, rest.slice(2)];
    if (rest.length !== 2) return undefined;
    return this.fileOf.get(`${group}/${rest[0]}/${ns}/${rest[1]}`);
  }

  /** Called once loading is done: records the duplicate count. */
  finish(): this {
    if (this.duplicates > 0) {
      this.notes.push(
        `${this.duplicates} duplicate object(s) across snapshot files were ignored (the first occurrence was kept)`,
      );
    }
    return this;
  }

  listAll(resource: ResourceRef, opts: ListOptions = {}): AsyncGenerator<KubeObject, void, undefined> {
    return toAsync(this.list(resource, opts));
  }

  /** Synchronous form of listAll: matching objects sorted by namespace then name. */
  list(resource: ResourceRef, opts: ListOptions = {}): KubeObject[] {
    const store = this.byResource.get(`${resource.group}/${resource.plural}`);
    if (!store) return [];
    return [...store.entries()]
      .filter(([, o]) => !resource.namespaced || !opts.namespace || o.metadata.namespace === opts.namespace)
      .filter(
        ([, o]) =>
          matchesLabels(opts.labelSelector, o.metadata.labels) && matchesFields(opts.fieldSelector, o),
      )
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o);
  }

  serverVersion(): Promise<ServerVersion | undefined> {
    return Promise.resolve(undefined);
  }

  resourceAvailable(resource: ResourceRef): Promise<boolean | undefined> {
    const size = this.byResource.get(`${resource.group}/${resource.plural}`)?.size ?? 0;
    return Promise.resolve(size > 0 ? true : undefined);
  }

  identity(): ClusterIdentity {
    return { name: 'snapshot', server: '', source: 'snapshot', files: [...this.files] };
  }

  /** Object counts per resource, sorted by group then plural. */
  counts(): SnapshotCount[] {
    return [...this.byResource.entries()]
      .map(([key, store]) => {
        const i = key.indexOf('/');
        return {
          group: key.slice(0, i),
          plural: key.slice(i + 1),
          kind: this.kinds.get(key) ?? '',
          count: store.size,
        };
      })
      .sort((a, b) => (a.group + '/' + a.plural < b.group + '/' + b.plural ? -1 : 1));
  }
}

/**
 * Reads every snapshot path (files or directories) into one store. Throws InputError on an unparseable
 * file named directly; an unparseable file found in a directory is skipped and recorded in `failed`
 * (the others are still read), unless no file could be read at all.
 */
export function loadSnapshot(paths: readonly string[]): SnapshotReader {
  const reader = new SnapshotReader();
  let loaded = 0;
  for (const p of paths) {
    const files = expand(p);
    const inDirectory = files.length !== 1 || files[0] !== p;
    if (files.length === 0) reader.notes.push(`${p}: directory holds no .json, .yaml or .yml files`);
    for (const f of files) {
      try {
        reader.addFile(f);
        loaded++;
      } catch (err) {
        if (!inDirectory || !(err instanceof InputError)) throw err;
        reader.failed.push(err);
      }
    }
  }
  if (loaded === 0 && reader.failed[0]) throw reader.failed[0];
  return reader.finish();
}

/** `apps/v1` + `Deployment` → the ResourceRef to list it with (for callers holding a kind). */
export function resourceRefFor(apiVersion: string, kind: string, namespaced: boolean): ResourceRef {
  const { group, version } = splitApiVersion(apiVersion);
  const { plural } = resourceForObject(apiVersion, kind);
  return { group, version, plural, namespaced, kind };
}
