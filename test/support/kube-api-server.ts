/**
 * An in-process HTTP(S) server that behaves like kube-apiserver closely enough to test a real client
 * against: bearer-token auth, discovery, chunked lists (limit/continue with opaque tokens, resourceVersion,
 * remainingItemCount), label/field selectors, get, errors shaped like the real server's (Status JSON
 * for 401/403/404/410/500; 429 as flow control's plain text with Retry-After, or as a Status), RBAC
 * denial and fault injection, a request log, and batch/v1 Jobs create/get/delete with pods whose `/log`
 * serves configured text.
 *
 * Fidelity notes (what differs from a real server):
 * - a continued list reads the current objects after the token's key, not an MVCC snapshot at the token's
 *   resourceVersion; `compact()` expires every token issued so far, as etcd compaction does;
 * - with a selector, pages hold up to `limit` matching items (the real server may return fewer);
 * - watch is not implemented (405); writes other than Jobs are refused with 405 and recorded.
 *
 * Usage:
 *   const srv = await startKubeApiServer({ tls: true, token: 't', objects: generatePods(1234) });
 *   t.teardown(() => srv.close());
 *   const loaded = loadedFor(t, srv);            // test/support/kube-config.ts: kubeconfig with caData + token
 *   srv.deny({ verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' });
 *   srv.inject({ path: '/api/v1/pods', status: 429, retryAfterSeconds: 2, times: 1 });
 *   srv.inject({ path: '/api/v1/pods', status: 410, when: (r) => r.query['continue'] !== undefined });
 *   srv.compact();                               // every continue token issued so far → 410 Expired
 *   t.deepEqual(srv.writes, []);                 // read-only check
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseAllDocuments } from 'yaml';
import {
  KNOWN_RESOURCES,
  qualifiedName,
  resourceForObject,
  splitApiVersion,
} from '../../src/kube/resources.ts';
import type { ResourceInfo } from '../../src/kube/resources.ts';
import { matchesFields, matchesLabels } from '../../src/kube/selector.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { testCert } from './kube-certs.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Response status; 0 while in flight or when the connection was dropped. */
  status: number;
  /** A non-empty Authorization header was sent (its value is never recorded). */
  hadAuth: boolean;
}

/** A fault for the next `times` requests whose path matches (string: exact pathname). */
export interface Fault {
  path: string | RegExp;
  method?: string;
  /** How many matching requests it applies to (default 1). */
  times?: number;
  /** Answer with this HTTP status and the real server's Status body for it. */
  status?: 400 | 401 | 403 | 404 | 410 | 429 | 500 | 502 | 503 | 504;
  /** For 429 (and 503): the Retry-After header in seconds (default 1 for 429). */
  retryAfterSeconds?: number;
  message?: string;
  /**
   * For 429: `text` (default) is what the max-in-flight and priority-and-fairness filters send
   * (`http.Error`: text/plain "Too many requests, please try again later."); `status` is the Status JSON
   * of `apierrors.NewTooManyRequests` (storage throttling, eviction).
   */
  format?: 'text' | 'status';
  /** Destroy the connection without a response. */
  drop?: boolean;
  /** Wait this long before handling the request (a hang, for timeout tests). */
  delayMs?: number;
  /** Further condition on the request (e.g. only continued lists: `(r) => r.query['continue'] !== undefined`). */
  when?: (req: RecordedRequest) => boolean;
}

/** Deny matching requests with the real 403; absent fields match anything. */
export interface DenyRule {
  verb?: string;
  group?: string;
  resource?: string;
  namespace?: string;
}

export interface JobBehaviour {
  /** Final state of the job's pod (default succeeded). */
  outcome?: 'succeeded' | 'failed';
  /** The job stays active for this many GETs of the Job before reaching its outcome (default 0). */
  activeForGets?: number;
  /** Text served by `/log` of the job's pod. */
  log?: string | ((job: KubeObject) => string);
}

export interface KubeApiServerOptions {
  /** HTTPS with a generated certificate (default true); false serves plain HTTP. */
  tls?: boolean;
  /** Required bearer token; when absent any request is accepted. */
  token?: string;
  /** Objects (or List objects) to serve. */
  objects?: unknown[];
  /** `kubectl get -o json|yaml` files (List, array, single object, multi-document YAML). */
  listFiles?: string[];
  /** Extra resources to serve besides the well-known ones. */
  resources?: ResourceInfo[];
  /** The user named in 403 messages. */
  user?: string;
  latencyMs?: number;
  gitVersion?: string;
  jobs?: JobBehaviour;
}

export interface KubeApiServer {
  url: string;
  /** CA to trust (undefined for plain HTTP). */
  caPem: string | undefined;
  token: string | undefined;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Requests with a method other than GET/HEAD (kubeproof must only write Jobs). */
  readonly writes: RecordedRequest[];
  latencyMs: number;
  jobBehaviour: JobBehaviour;
  /** Called for each request before it is handled (after it is recorded). */
  onRequest: ((req: RecordedRequest) => void) | undefined;
  inject(fault: Fault): void;
  deny(rule: DenyRule): void;
  clearDenials(): void;
  add(...objects: unknown[]): void;
  /** Objects currently stored for group/plural (with kind and apiVersion). */
  objects(group: string, plural: string): KubeObject[];
  registerResource(info: ResourceInfo): void;
  /** Expires every continue token issued so far (as etcd compaction does). */
  compact(): void;
  setPodLog(namespace: string, pod: string, text: string): void;
  resourceVersion(): number;
  close(): Promise<void>;
}

const DEFAULT_USER = 'system:serviceaccount:kubeproof:kubeproof';

const EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list ' +
  'without the continue parameter, or use the continue token in this response to retrieve the remainder of the ' +
  'results. Continuing with the provided token results in an inconsistent list - objects that were created, ' +
  'modified, or deleted between the time the first chunk was returned and now may show up in the list.';

interface Store {
  info: ResourceInfo;
  objects: Map<string, KubeObject>;
  /** Entries sorted by key; rebuilt lazily after a change. */
  sorted?: [string, KubeObject][] | undefined;
}

function sortedEntries(store: Store): [string, KubeObject][] {
  store.sorted ??= [...store.objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return store.sorted;
}

/** First index whose key is >= `key`. */
function lowerBound(sorted: [string, KubeObject][], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]![0] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Route {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
}

class HttpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
    super(typeof body['message'] === 'string' ? body['message'] : `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** A Status object exactly as kube-apiserver serialises a failure. */
export function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** The 403 the RBAC authorizer returns, message word for word. */
export function forbiddenBody(
  user: string,
  verb: string,
  info: { group: string; plural: string },
  namespace: string | undefined,
  name: string | undefined,
): Record<string, unknown> {
  const what = `${qualifiedName(info)}${name ? ` "${name}"` : ''}`;
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  const message =
    `${what} is forbidden: User "${user}" cannot ${verb} resource "${info.plural}" in API group ` +
    `"${info.group}" ${scope}`;
  const details: Record<string, unknown> = {};
  if (name) details['name'] = name;
  if (info.group) details['group'] = info.group;
  details['kind'] = info.plural;
  return statusBody(403, 'Forbidden', message, details);
}

function faultBody(fault: Fault): {
  status: number;
  body: Record<string, unknown> | string;
  headers: Record<string, string>;
} {
  const status = fault.status ?? 500;
  const headers: Record<string, string> = {};
  switch (status) {
    case 429: {
      const secs = fault.retryAfterSeconds ?? 1;
      headers['retry-after'] = String(secs);
      if ((fault.format ?? 'text') === 'text') {
        headers['content-type'] = 'text/plain; charset=utf-8';
        headers['x-content-type-options'] = 'nosniff';
        return {
          status,
          headers,
          body: `${fault.message ?? 'Too many requests, please try again later.'}\n`,
        };
      }
      return {
        status,
        headers,
        body: statusBody(
          429,
          'TooManyRequests',
          fault.message ?? 'Too many requests, please try again later.',
          {
            retryAfterSeconds: secs,
          },
        ),
      };
    }
    case 410:
      return { status, headers, body: statusBody(410, 'Expired', fault.message ?? EXPIRED_MESSAGE) };
    case 401:
      return { status, headers, body: statusBody(401, 'Unauthorized', 'Unauthorized') };
    case 404:
      return {
        status,
        headers,
        body: statusBody(
          404,
          'NotFound',
          fault.message ?? 'the server could not find the requested resource',
          {},
        ),
      };
    case 400:
      return { status, headers, body: statusBody(400, 'BadRequest', fault.message ?? 'bad request') };
    case 403:
      return { status, headers, body: statusBody(403, 'Forbidden', fault.message ?? 'forbidden') };
    case 503:
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      return {
        status,
        headers,
        body: statusBody(
          503,
          'ServiceUnavailable',
          fault.message ?? 'the server is currently unable to handle the request',
        ),
      };
    default: {
      const msg = fault.message ?? 'injected failure';
      return {
        status,
        headers,
        body: statusBody(status, 'InternalError', `Internal error occurred: ${msg}`, {
          causes: [{ message: msg }],
        }),
      };
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Flattens Lists, arrays and multi-document YAML/JSON into objects. */
export function flattenObjects(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(flattenObjects);
  if (!isRecord(value)) return [];
  if (Array.isArray(value['items']) && typeof value['kind'] === 'string' && value['kind'].endsWith('List')) {
    return (value['items'] as unknown[]).flatMap(flattenObjects);
  }
  return [value];
}

/** Reads a `kubectl get -o json|yaml` file. */
export function readListFile(file: string): Record<string, unknown>[] {
  const text = readFileSync(file, 'utf8');
  if (/^\s*[[{]/.test(text)) return flattenObjects(JSON.parse(text));
  return parseAllDocuments(text).flatMap((d) => flattenObjects(d.toJSON()));
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(tok: ContinueToken): string {
  return Buffer.from(JSON.stringify(tok)).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  const tok = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
  if (
    !isRecord(tok) ||
    tok['v'] !== 'meta.k8s.io/v1' ||
    typeof tok['rv'] !== 'number' ||
    typeof tok['start'] !== 'string'
  ) {
    throw new Error(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  return { v: tok['v'], rv: tok['rv'], start: tok['start'] };
}

/** A delay that does not keep the process alive (a hung request must not outlive close()). */
function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function objKey(obj: KubeObject, namespaced: boolean): string {
  return namespaced ? `${obj.metadata.namespace ?? ''}/${obj.metadata.name}` : obj.metadata.name;
}

export async function startKubeApiServer(opts: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const tls = opts.tls ?? true;
  const user = opts.user ?? DEFAULT_USER;
  const stores = new Map<string, Store>();
  const faults: (Fault & { left: number })[] = [];
  const denials: DenyRule[] = [];
  const podLogs = new Map<string, string>();
  const jobGets = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  let rv = 1000;
  let compactedRv = 0;
  let uidSeq = 0;

  const storeKey = (group: string, plural: string): string => `${group}/${plural}`;
  const register = (info: ResourceInfo): void => {
    if (!stores.has(storeKey(info.group, info.plural))) {
      stores.set(storeKey(info.group, info.plural), { info, objects: new Map() });
    }
  };
  for (const info of KNOWN_RESOURCES) register(info);
  for (const info of opts.resources ?? []) register(info);

  const nextUid = (): string => {
    uidSeq++;
    return `00000000-0000-4000-8000-${uidSeq.toString(16).padStart(12, '0')}`;
  };

  const storeObject = (raw: unknown): KubeObject => {
    if (!isRecord(raw) || typeof raw['apiVersion'] !== 'string' || typeof raw['kind'] !== 'string') {
      throw new Error(
        `test API server: object without apiVersion/kind: ${JSON.stringify(raw).slice(0, 120)}`,
      );
    }
    const meta = isRecord(raw['metadata']) ? raw['metadata'] : {};
    if (typeof meta['name'] !== 'string') throw new Error('test API server: object without metadata.name');
    const res = resourceForObject(raw['apiVersion'], raw['kind']);
    const store = stores.get(storeKey(res.group, res.plural));
    if (!store)
      throw new Error(`test API server: no resource registered for ${raw['apiVersion']} ${raw['kind']}`);
    rv++;
    const obj = structuredClone(raw) as KubeObject;
    obj.metadata = {
      ...(meta as KubeObject['metadata']),
      uid: typeof meta['uid'] === 'string' ? meta['uid'] : nextUid(),
      resourceVersion: String(rv),
    };
    if (!store.info.namespaced) delete obj.metadata.namespace;
    else if (!obj.metadata.namespace) obj.metadata.namespace = 'default';
    store.objects.set(objKey(obj, store.info.namespaced), obj);
    store.sorted = undefined;
    return obj;
  };

  const add = (...objects: unknown[]): void => {
    for (const o of flattenObjects(objects)) storeObject(o);
  };
  add(...(opts.objects ?? []));
  for (const f of opts.listFiles ?? []) add(readListFile(f));

  const findInfo = (group: string, version: string, plural: string): ResourceInfo | undefined => {
    const s = stores.get(storeKey(group, plural));
    return s && s.info.version === version ? s.info : undefined;
  };

  const notFoundPath = (): HttpError =>
    new HttpError(404, statusBody(404, 'NotFound', 'the server could not find the requested resource', {}));

  const route = (pathname: string): Route | 'discovery' | undefined => {
    const segs = pathname
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 2) {
      group = '';
      version = segs[1]!;
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 3) {
      group = segs[1]!;
      version = segs[2]!;
      rest = segs.slice(3);
    } else return undefined;
    if (rest.length === 0) return 'discovery';
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const info = findInfo(group, version, rest[2]!);
      if (!info || !info.namespaced) throw notFoundPath();
      return { info, namespace: rest[1], name: rest[3], sub: rest[4] };
    }
    const info = findInfo(group, version, rest[0]!);
    if (!info) throw notFoundPath();
    return { info, namespace: undefined, name: rest[1], sub: rest[2] };
  };

  const checkDenied = (verb: string, r: Route): void => {
    const hit = denials.find(
      (d) =>
        (d.verb === undefined || d.verb === verb) &&
        (d.group === undefined || d.group === r.info.group) &&
        (d.resource === undefined || d.resource === r.info.plural) &&
        (d.namespace === undefined || d.namespace === r.namespace),
    );
    if (hit) throw new HttpError(403, forbiddenBody(user, verb, r.info, r.namespace, r.name));
  };

  const withType = (info: ResourceInfo, obj: KubeObject): KubeObject => ({
    ...obj,
    apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
    kind: info.kind,
  });

  const list = (r: Route, q: URLSearchParams): Record<string, unknown> => {
    const store = stores.get(storeKey(r.info.group, r.info.plural))!;
    let listRv = rv;
    let start = '';
    const cont = q.get('continue');
    if (cont) {
      let tok: ContinueToken;
      try {
        tok = decodeContinue(cont);
      } catch (err) {
        throw new HttpError(
          400,
          statusBody(400, 'BadRequest', `invalid continue token: ${(err as Error).message}`),
        );
      }
      if (tok.rv !== -1 && tok.rv < compactedRv) {
        // Like etcd3 storage: the 410 carries a token (rv -1) for an inconsistent continuation.
        const body = statusBody(410, 'Expired', EXPIRED_MESSAGE);
        body['metadata'] = { continue: encodeContinue({ v: 'meta.k8s.io/v1', rv: -1, start: tok.start }) };
        throw new HttpError(410, body);
      }
      listRv = tok.rv === -1 ? rv : tok.rv;
      start = tok.start;
    }
    const labelSel = q.get('labelSelector') ?? undefined;
    const fieldSel = q.get('fieldSelector') ?? undefined;
    const limit = Number(q.get('limit') ?? '0');
    const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
    const page: [string, KubeObject][] = [];
    let remaining = 0;
    try {
      const labelOk = (o: KubeObject): boolean =>
        (r.namespace === undefined || o.metadata.namespace === r.namespace) &&
        matchesLabels(labelSel, o.metadata.labels) &&
        matchesFields(fieldSel, o);
      const sorted = sortedEntries(store);
      for (let i = start ? lowerBound(sorted, start) : 0; i < sorted.length; i++) {
        const entry = sorted[i]!;
        if (!labelOk(entry[1])) continue;
        if (limit > 0 && page.length === limit) remaining++;
        else page.push(entry);
      }
    } catch (err) {
      throw new HttpError(400, statusBody(400, 'BadRequest', (err as Error).message));
    }
    if (remaining > 0) {
      metadata['continue'] = encodeContinue({
        v: 'meta.k8s.io/v1',
        rv: listRv,
        start: `${page.at(-1)![0]}\u0000`,
      });
      if (!labelSel && !fieldSel) metadata['remainingItemCount'] = remaining;
    }
    const items = page.map(([, o]) => {
      // The real server sends list items without apiVersion/kind.
      const rest: Record<string, unknown> = { ...o };
      delete rest['apiVersion'];
      delete rest['kind'];
      return r.info.plural === 'jobs' ? { ...rest, status: jobStatus(o, false) } : rest;
    });
    return {
      kind: `${r.info.kind}List`,
      apiVersion: r.info.group ? `${r.info.group}/${r.info.version}` : r.info.version,
      metadata,
      items,
    };
  };

  const lookup = (r: Route): KubeObject => {
    const store = stores.get(storeKey(r.info.group, r.info.plural))!;
    const key = r.info.namespaced ? `${r.namespace ?? ''}/${r.name}` : r.name!;
    const obj = store.objects.get(key);
    if (!obj) {
      const details: Record<string, unknown> = { name: r.name };
      if (r.info.group) details['group'] = r.info.group;
      details['kind'] = r.info.plural;
      throw new HttpError(
        404,
        statusBody(404, 'NotFound', `${qualifiedName(r.info)} "${r.name}" not found`, details),
      );
    }
    return obj;
  };

  const jobStatus = (job: KubeObject, countGet: boolean): Record<string, unknown> => {
    const key = `${job.metadata.namespace}/${job.metadata.name}`;
    const gets = (jobGets.get(key) ?? 0) + (countGet ? 1 : 0);
    jobGets.set(key, gets);
    const behaviour = server.jobBehaviour;
    const startTime = job.metadata.creationTimestamp ?? '2026-01-01T00:00:00Z';
    if (gets <= (behaviour.activeForGets ?? 0)) return { active: 1, startTime };
    if ((behaviour.outcome ?? 'succeeded') === 'failed') {
      return {
        failed: 1,
        startTime,
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
        ],
      };
    }
    return {
      succeeded: 1,
      startTime,
      completionTime: startTime,
      conditions: [{ type: 'Complete', status: 'True' }],
    };
  };

  const createJob = (r: Route, body: unknown): KubeObject => {
    if (!isRecord(body))
      throw new HttpError(
        400,
        statusBody(400, 'BadRequest', 'the body of the request was in an unknown format'),
      );
    const meta = isRecord(body['metadata']) ? { ...body['metadata'] } : {};
    if (typeof meta['name'] !== 'string') {
      if (typeof meta['generateName'] !== 'string') {
        throw new HttpError(
          422,
          statusBody(
            422,
            'Invalid',
            'Job.batch "" is invalid: metadata.name: Required value: name or generateName is required',
          ),
        );
      }
      meta['name'] = `${meta['generateName']}${(uidSeq + 1).toString(36).padStart(5, 'x')}`;
    }
    const namespace = r.namespace ?? 'default';
    const name = meta['name'] as string;
    if (stores.get('batch/jobs')!.objects.has(`${namespace}/${name}`)) {
      throw new HttpError(
        409,
        statusBody(409, 'AlreadyExists', `jobs.batch "${name}" already exists`, {
          name,
          group: 'batch',
          kind: 'jobs',
        }),
      );
    }
    const job = storeObject({
      ...body,
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { ...meta, namespace, creationTimestamp: '2026-01-01T00:00:00Z' },
    });
    const uid = job.metadata.uid!;
    const spec = isRecord(body['spec']) ? body['spec'] : {};
    const template = isRecord(spec['template']) ? spec['template'] : {};
    const podName = `${name}-${uid.slice(-5)}`;
    const failed = (server.jobBehaviour.outcome ?? 'succeeded') === 'failed';
    storeObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace,
        labels: {
          ...(isRecord(template['metadata']) && isRecord(template['metadata']['labels'])
            ? template['metadata']['labels']
            : {}),
          'batch.kubernetes.io/controller-uid': uid,
          'batch.kubernetes.io/job-name': name,
          'controller-uid': uid,
          'job-name': name,
        },
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'Job', name, uid, controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: template['spec'] ?? {},
      status: { phase: failed ? 'Failed' : 'Succeeded' },
    });
    const log = server.jobBehaviour.log;
    podLogs.set(`${namespace}/${podName}`, typeof log === 'function' ? log(job) : (log ?? ''));
    return { ...job, status: {} };
  };

  const deleteObject = (r: Route, q: URLSearchParams, body: unknown): Record<string, unknown> => {
    const obj = lookup(r);
    const store = stores.get(storeKey(r.info.group, r.info.plural))!;
    store.objects.delete(objKey(obj, r.info.namespaced));
    store.sorted = undefined;
    rv++;
    const policy = q.get('propagationPolicy') ?? (isRecord(body) ? body['propagationPolicy'] : undefined);
    // batch/v1 Jobs default to orphaning their pods when deleted through the API.
    if (policy === 'Background' || policy === 'Foreground') {
      const pods = stores.get('/pods')!.objects;
      for (const [k, p] of pods) {
        const owners = Array.isArray(p.metadata['ownerReferences'])
          ? (p.metadata['ownerReferences'] as unknown[])
          : [];
        if (owners.some((o) => isRecord(o) && o['uid'] === obj.metadata.uid)) pods.delete(k);
      }
      stores.get('/pods')!.sorted = undefined;
    }
    const details: Record<string, unknown> = { name: obj.metadata.name };
    if (r.info.group) details['group'] = r.info.group;
    details['kind'] = r.info.plural;
    details['uid'] = obj.metadata.uid;
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
  };

  const discovery = (pathname: string): Record<string, unknown> | undefined => {
    const infos = [...stores.values()].map((s) => s.info);
    if (pathname === '/api') {
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }],
      };
    }
    const groupEntry = (g: string): Record<string, unknown> => {
      const versions = [...new Set(infos.filter((i) => i.group === g).map((i) => i.version))].map((v) => ({
        groupVersion: `${g}/${v}`,
        version: v,
      }));
      return { name: g, versions, preferredVersion: versions[0] };
    };
    if (pathname === '/apis') {
      const groups = [...new Set(infos.map((i) => i.group).filter((g) => g !== ''))].sort();
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupEntry) };
    }
    const m = /^\/apis\/([^/]+)$/.exec(pathname);
    if (m && infos.some((i) => i.group === m[1]))
      return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(m[1]!) };
    const gv = /^\/api\/(v1)$/.exec(pathname) ?? /^\/apis\/([^/]+\/[^/]+)$/.exec(pathname);
    if (!gv) return undefined;
    const { group, version } = splitApiVersion(gv[1]!);
    const here = infos.filter((i) => i.group === group && i.version === version);
    if (here.length === 0) return undefined;
    const resources: Record<string, unknown>[] = [];
    for (const i of here.sort((a, b) => (a.plural < b.plural ? -1 : 1))) {
      resources.push({
        name: i.plural,
        singularName: i.kind.toLowerCase(),
        namespaced: i.namespaced,
        kind: i.kind,
        verbs: i.verbs,
        ...(i.shortNames ? { shortNames: i.shortNames } : {}),
      });
      if (group === '' && i.plural === 'pods') {
        resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv[1], resources };
  };

  const readBody = (req: http.IncomingMessage): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (text.trim() === '') return resolve(undefined);
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(
            new HttpError(
              400,
              statusBody(400, 'BadRequest', 'the body of the request was in an unknown format'),
            ),
          );
        }
      });
      req.on('error', reject);
    });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const auth = req.headers.authorization ?? '';
    const entry: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      hadAuth: auth !== '',
    };
    requests.push(entry);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      entry.status = status;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
        'audit-id': `audit-${requests.length}`,
        ...headers,
      });
      res.end(text);
    };
    server.onRequest?.(entry);
    if (server.latencyMs > 0) await pause(server.latencyMs);
    const fault = faults.find(
      (f) =>
        f.left > 0 &&
        (f.method === undefined || f.method === method) &&
        (f.when === undefined || f.when(entry)) &&
        (typeof f.path === 'string' ? f.path === url.pathname : f.path.test(url.pathname)),
    );
    if (fault) {
      fault.left--;
      if (fault.delayMs) await pause(fault.delayMs);
      if (fault.drop) {
        req.socket.destroy();
        return;
      }
      if (fault.status) {
        const f = faultBody(fault);
        return send(f.status, f.body, f.headers);
      }
    }
    try {
      if (opts.token !== undefined && auth !== `Bearer ${opts.token}`) {
        return send(401, statusBody(401, 'Unauthorized', 'Unauthorized'));
      }
      if (url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname === '/livez')
        return send(200, 'ok');
      if (url.pathname === '/version') {
        const gitVersion = opts.gitVersion ?? 'v1.31.4';
        const [, major = '1', minor = '31'] = /^v(\d+)\.(\d+)/.exec(gitVersion) ?? [];
        return send(200, {
          major,
          minor,
          gitVersion,
          gitCommit: '0000000000000000000000000000000000000000',
          gitTreeState: 'clean',
          buildDate: '2026-01-01T00:00:00Z',
          goVersion: 'go1.23.4',
          compiler: 'gc',
          platform: 'linux/amd64',
        });
      }
      const disc = method === 'GET' ? discovery(url.pathname) : undefined;
      if (disc) return send(200, disc);
      const r = route(url.pathname);
      if (!r) return send(404, '404 page not found\n');
      if (r === 'discovery') throw notFoundPath();
      if (method === 'GET' && r.name === undefined) {
        if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
          throw new HttpError(
            405,
            statusBody(405, 'MethodNotAllowed', 'the test API server does not implement watch'),
          );
        }
        checkDenied('list', r);
        return send(200, list(r, url.searchParams));
      }
      if (method === 'GET' && r.sub === 'log' && r.info.plural === 'pods') {
        checkDenied('get', { ...r, info: { ...r.info, plural: 'pods/log' } });
        lookup(r);
        return send(200, podLogs.get(`${r.namespace}/${r.name}`) ?? '');
      }
      if (method === 'GET' && r.sub === undefined) {
        checkDenied('get', r);
        const obj = lookup(r);
        return send(
          200,
          r.info.plural === 'jobs'
            ? { ...withType(r.info, obj), status: jobStatus(obj, true) }
            : withType(r.info, obj),
        );
      }
      if (r.info.group === 'batch' && r.info.plural === 'jobs' && r.sub === undefined) {
        const body = await readBody(req);
        if (method === 'POST' && r.name === undefined) {
          checkDenied('create', r);
          return send(201, createJob(r, body));
        }
        if (method === 'DELETE' && r.name !== undefined) {
          checkDenied('delete', r);
          return send(200, deleteObject(r, url.searchParams, body));
        }
      }
      throw new HttpError(
        405,
        statusBody(
          405,
          'MethodNotAllowed',
          `the server does not allow this method on the requested resource`,
          {},
        ),
      );
    } catch (err) {
      if (err instanceof HttpError) return send(err.status, err.body, err.headers);
      return send(500, faultBody({ path: '', status: 500, message: (err as Error).message }).body);
    }
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
  const cert = tls ? testCert() : undefined;
  const httpServer = cert
    ? https.createServer({ cert: cert.certPem, key: cert.keyPem }, listener)
    : http.createServer(listener);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const port = (httpServer.address() as AddressInfo).port;

  const server: KubeApiServer = {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    caPem: cert?.caPem,
    token: opts.token,
    requests,
    get writes() {
      return requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    },
    latencyMs: opts.latencyMs ?? 0,
    jobBehaviour: opts.jobs ?? {},
    onRequest: undefined,
    inject: (fault) => void faults.push({ ...fault, left: fault.times ?? 1 }),
    deny: (rule) => void denials.push(rule),
    clearDenials: () => void denials.splice(0),
    add,
    objects: (group, plural) => {
      const s = stores.get(storeKey(group, plural));
      return s ? [...s.objects.values()].map((o) => withType(s.info, o)) : [];
    },
    registerResource: register,
    compact: () => {
      compactedRv = rv + 1;
      rv++;
    },
    setPodLog: (namespace, pod, text) => void podLogs.set(`${namespace}/${pod}`, text),
    resourceVersion: () => rv,
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
  return server;
}

/** `n` pods named pod-00000… spread over `namespaces` namespaces (for paging tests and benches). */
export function generatePods(n: number, namespaces = 1): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; i < n; i++) {
    const ns = `ns-${i % namespaces}`;
    out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `pod-${String(i).padStart(5, '0')}`, namespace: ns, labels: { app: `app-${i % 7}` } },
      spec: {
        containers: [
          { name: 'main', image: 'registry.example/app:1.0', securityContext: { runAsNonRoot: true } },
        ],
      },
      status: { phase: i % 10 === 0 ? 'Pending' : 'Running' },
    });
  }
  return out;
}
