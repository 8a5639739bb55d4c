/**
 * The live, read-only Kubernetes client. Requests go through node:http(s) with the TLS material, agent
 * and Authorization header that client-node's KubeConfig computes (applyToHTTPSOptions: tokens, client
 * certificates, exec and token-file plugins), so every authentication mode client-node supports works,
 * while status codes, Retry-After and bodies stay in our hands.
 *
 * Contract:
 * - only GET requests are ever sent;
 * - 429, 500/502/503/504, network errors and per-request timeouts are retried with exponential backoff and
 *   full jitter (Retry-After honoured), up to `retry.maxAttempts` attempts per request;
 * - a 410 Gone on a continued list (expired continue token) restarts that list from the beginning
 *   (at most `maxListRestarts` times) and records a note;
 * - 401/403 become KubeAccessError naming the missing permission and the manifest granting it;
 * - error messages never contain response bodies, headers or credentials.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { sha256Hex } from '../util/hash.ts';
import type { Logger } from '../util/log.ts';
import { redactText } from '../util/redact.ts';
import type { LoadedKubeConfig } from './config.ts';
import { forbiddenError, KubeApiError, parseStatus, unauthorizedError, userFromForbidden } from './errors.ts';
import type { RequestIntent } from './errors.ts';
import { apiPath, groupVersion, itemKind, knownResource } from './resources.ts';
import { backoffDelay, DEFAULT_RETRY, mapLimit, parseRetryAfter } from './retry.ts';
import type { RetryPolicy } from './retry.ts';
import { scrubSecret } from './secrets.ts';
import type {
  ClusterIdentity,
  ClusterReader,
  ListDigest,
  KubeObject,
  ListOptions,
  ResourceRef,
  ServerVersion,
} from './types.ts';

export interface KubeClientOptions {
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout (default 30 s); a timed-out request is retried like a network error. */
  timeoutMs?: number;
  /** How many times one list may restart after 410 Gone (default 3). */
  maxListRestarts?: number;
  log?: Logger;
  userAgent?: string;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body's bytes as received (hashed for a list's input record). */
  bytes: Buffer;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRY_ERRNO = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

class TimeoutSignal extends Error {}

/** Timeouts and connection-level failures are transient; TLS failures and anything else are not. */
function isRetryable(err: unknown): boolean {
  if (err instanceof TimeoutSignal) return true;
  if (err instanceof KubeApiError) return false;
  const code = errCode(err);
  return code !== undefined && !isTlsError(code) && RETRY_ERRNO.has(code);
}

function errCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

function isTlsError(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (code.startsWith('CERT_') ||
      code.startsWith('ERR_TLS') ||
      code.startsWith('ERR_SSL') ||
      code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
      code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
      code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
      code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')
  );
}

function describe(intent: RequestIntent): string {
  const ns = intent.namespace ? ` in namespace "${intent.namespace}"` : '';
  return `${intent.verb} ${intent.group ? `${intent.resource}.${intent.group}` : intent.resource}${intent.name ? ` "${intent.name}"` : ''}${ns}`;
}

/** Derives verb/resource/scope from an API path (for `get(path)` error messages). */
export function intentFromPath(pathname: string): RequestIntent {
  const segs = pathname
    .split('?')[0]!
    .split('/')
    .filter((s) => s !== '');
  let group = '';
  let rest: string[] = [];
  if (segs[0] === 'api') rest = segs.slice(2);
  else if (segs[0] === 'apis') {
    group = segs[1] ?? '';
    rest = segs.slice(3);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = rest.length >= 3 ? `${rest[0]}/${rest[2]}` : (rest[0] ?? pathname);
  const name = rest[1];
  return {
    verb: name === undefined ? 'list' : 'get',
    group,
    resource,
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
    path: pathname.split('?')[0]!,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read-only API client implementing ClusterReader over a loaded KubeConfig. */
export class KubeClient implements ClusterReader {
  readonly notes: string[] = [];
  readonly listDigests = new Map<string, ListDigest>();
  private readonly kc: KubeConfig;
  private readonly server: string;
  private readonly ident: ClusterIdentity;
  private readonly credentialSource: string;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly maxListRestarts: number;
  private readonly log: Logger | undefined;
  private readonly userAgent: string;
  private versionCache: Promise<ServerVersion> | undefined;
  private readonly discoveryCache = new Map<string, Promise<Set<string> | undefined>>();
  private readonly proxied: boolean;
  private agent: http.Agent | undefined;
  private agentFingerprint = '';

  constructor(loaded: LoadedKubeConfig, opts: KubeClientOptions = {}) {
    this.kc = loaded.kc;
    const cluster = loaded.kc.getCurrentCluster();
    if (!cluster) throw new KubeApiError('kube-api', 'no current cluster in the kubeconfig', { path: '' });
    this.server = cluster.server.replace(/\/+$/, '');
    this.proxied = Boolean(cluster.proxyUrl);
    this.ident = loaded.identity;
    this.credentialSource = loaded.credentialSource;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxListRestarts = opts.maxListRestarts ?? 3;
    this.log = opts.log;
    this.userAgent = opts.userAgent ?? 'kubeproof';
  }

  identity(): ClusterIdentity {
    return this.ident;
  }

  /**
   * A keep-alive agent with the TLS material client-node computed (its own agents open a new TLS
   * connection per request). Rebuilt when that material changes (rotated client certificates). Proxied
   * clusters keep client-node's proxy agent.
   */
  private keepAliveAgent(opts: https.RequestOptions, plain: boolean): http.Agent | undefined {
    if (this.proxied) return undefined;
    const tls = {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      pfx: opts.pfx,
      passphrase: opts.passphrase,
      servername: opts.servername,
      ...(opts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: opts.rejectUnauthorized }),
    };
    const fingerprint = sha256Hex(
      JSON.stringify(
        Object.values(tls).map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : (v ?? null))),
      ),
    );
    if (!this.agent || this.agentFingerprint !== fingerprint) {
      this.agent?.destroy();
      this.agent = plain
        ? new http.Agent({ keepAlive: true, maxSockets: 16 })
        : new https.Agent({ keepAlive: true, maxSockets: 16, ...tls });
      this.agentFingerprint = fingerprint;
    }
    return this.agent;
  }

  /** Closes idle keep-alive connections. The client stays usable (a new agent is made on demand). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  /** One GET, no retry. Rejects with the transport error, or TimeoutSignal on our own timeout. */
  private async once(pathAndQuery: string, signal: AbortSignal | undefined): Promise<RawResponse> {
    const opts: https.RequestOptions = { method: 'GET', headers: {} };
    try {
      await this.kc.applyToHTTPSOptions(opts);
    } catch (err) {
      // exec plugins, token files and OIDC refreshes fail here, before any request is sent.
      throw new KubeApiError(
        'credentials',
        `cannot load the credentials of ${this.credentialSource}: ${redactText((err as Error).message ?? String(err)).slice(0, 200)}`,
        {
          path: pathAndQuery.split('?')[0]!,
          hint: 'check the user entry of the kubeconfig (token, exec plugin, certificate files)',
        },
      );
    }
    const headers = opts.headers as Record<string, unknown>;
    // A token file ending in a newline would make an invalid header value.
    if (typeof headers['Authorization'] === 'string')
      headers['Authorization'] = headers['Authorization'].trim();
    const url = new URL(this.server + pathAndQuery);
    const mod = url.protocol === 'http:' ? http : https;
    const agent = this.keepAliveAgent(opts, url.protocol === 'http:');
    if (agent) opts.agent = agent;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    return new Promise<RawResponse>((resolve, reject) => {
      const req = mod.request(
        url,
        {
          ...opts,
          method: 'GET',
          headers: { ...opts.headers, accept: 'application/json', 'user-agent': this.userAgent },
          signal: combined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const bytes = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: bytes.toString('utf8'),
              bytes,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', (err) => {
        if (timeout.aborted && !signal?.aborted)
          reject(new TimeoutSignal(`timed out after ${this.timeoutMs} ms`));
        else reject(err);
      });
      req.end();
    });
  }

  /** GET with retries. Returns the final response for any status that is not retried (or retries exhausted). */
  private async request(
    pathAndQuery: string,
    intent: RequestIntent,
    signal?: AbortSignal,
  ): Promise<RawResponse> {
    let lastError: unknown;
    let last: RawResponse | undefined;
    for (let attempt = 0; attempt < this.retry.maxAttempts; attempt++) {
      let retryAfter: number | undefined;
      try {
        last = await this.once(pathAndQuery, signal);
        lastError = undefined;
        if (!RETRY_STATUS.has(last.status)) return last;
        retryAfter = parseRetryAfter(last.headers['retry-after']);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (!isRetryable(err)) throw err instanceof KubeApiError ? err : this.transportError(err, intent);
        lastError = err;
        last = undefined;
      }
      if (attempt === this.retry.maxAttempts - 1) break;
      const delay = backoffDelay(this.retry, attempt, retryAfter);
      this.log?.debug('kube: retrying', {
        path: intent.path,
        attempt: attempt + 1,
        delayMs: delay,
        reason: last ? `HTTP ${last.status}` : (errCode(lastError) ?? 'timeout'),
      });
      await this.retry.sleep(delay, signal);
    }
    if (last) return last;
    throw this.transportError(lastError, intent, this.retry.maxAttempts);
  }

  private transportError(err: unknown, intent: RequestIntent, attempts?: number): KubeApiError {
    const after = attempts ? ` after ${attempts} attempts` : '';
    if (err instanceof TimeoutSignal) {
      return new KubeApiError(
        'timeout',
        `cannot ${describe(intent)}: request timed out (${this.timeoutMs} ms per attempt)${after}`,
        {
          path: intent.path,
          hint: 'the API server is slow or unreachable; raise the request timeout or check network policies',
        },
      );
    }
    const code = errCode(err) ?? (err instanceof Error ? err.name : 'unknown error');
    if (isTlsError(code)) {
      return new KubeApiError(
        'kube-unreachable',
        `cannot ${describe(intent)}: TLS verification of ${this.ident.server} failed (${code})`,
        {
          path: intent.path,
          hint: 'the server certificate is not signed by the configured CA (certificate-authority-data in the kubeconfig, or ca.crt in cluster)',
        },
      );
    }
    return new KubeApiError(
      'kube-unreachable',
      `cannot ${describe(intent)}: ${this.ident.server} unreachable (${code})${after}`,
      {
        path: intent.path,
        hint: 'check that the API server address is right and reachable from here',
      },
    );
  }

  /** Maps a non-2xx response to a typed error. */
  private httpError(res: RawResponse, intent: RequestIntent): Error {
    if (res.status === 401) return unauthorizedError(intent, this.credentialSource);
    if (res.status === 403) return forbiddenError(intent, userFromForbidden(res.body));
    const status = parseStatus(res.body);
    const retried = RETRY_STATUS.has(res.status) ? ` after ${this.retry.maxAttempts} attempts` : '';
    return new KubeApiError(
      'kube-api',
      `cannot ${describe(intent)}: HTTP ${res.status}${status?.reason ? ` ${status.reason}` : ''}${retried}`,
      { status: res.status, ...(status?.reason ? { reason: status.reason } : {}), path: intent.path },
    );
  }

  private parseJson(res: RawResponse, intent: RequestIntent): unknown {
    try {
      return JSON.parse(res.body) as unknown;
    } catch {
      throw new KubeApiError('kube-api', `cannot ${describe(intent)}: the response is not JSON`, {
        status: res.status,
        path: intent.path,
      });
    }
  }

  /** GET a path; the parsed JSON, or undefined on 404. */
  async get(pathname: string, signal?: AbortSignal): Promise<unknown> {
    const intent = intentFromPath(pathname);
    const res = await this.request(pathname, { ...intent, verb: 'get' }, signal);
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status > 299) throw this.httpError(res, { ...intent, verb: 'get' });
    return this.parseJson(res, intent);
  }

  async serverVersion(): Promise<ServerVersion> {
    this.versionCache ??= (async () => {
      const intent: RequestIntent = {
        verb: 'get',
        group: '',
        resource: 'version (non-resource URL /version)',
        path: '/version',
      };
      const res = await this.request('/version', intent);
      if (res.status !== 200) throw this.httpError(res, intent);
      const v = JSON.parse(res.body) as unknown;
      if (!isRecord(v) || typeof v['gitVersion'] !== 'string') {
        throw new KubeApiError('kube-api', '/version: expected an object with gitVersion', {
          path: '/version',
        });
      }
      return {
        major: typeof v['major'] === 'string' ? v['major'] : '',
        minor: typeof v['minor'] === 'string' ? v['minor'] : '',
        gitVersion: v['gitVersion'],
        ...(typeof v['platform'] === 'string' ? { platform: v['platform'] } : {}),
      };
    })();
    this.versionCache.catch(() => (this.versionCache = undefined));
    return this.versionCache;
  }

  /** Discovery: whether `/api(s)/<group>/<version>` lists the resource. */
  async resourceAvailable(resource: ResourceRef): Promise<boolean> {
    const gv = groupVersion(resource);
    let entry = this.discoveryCache.get(gv);
    if (!entry) {
      entry = (async () => {
        const p = resource.group === '' ? `/api/${resource.version}` : `/apis/${gv}`;
        const intent: RequestIntent = {
          verb: 'get',
          group: resource.group,
          resource: `discovery ${p}`,
          path: p,
        };
        const res = await this.request(p, intent);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.httpError(res, intent);
        const v = JSON.parse(res.body) as unknown;
        const list = isRecord(v) && Array.isArray(v['resources']) ? v['resources'] : [];
        return new Set(list.filter(isRecord).map((r) => String(r['name'])));
      })();
      this.discoveryCache.set(gv, entry);
      entry.catch(() => this.discoveryCache.delete(gv));
    }
    return (await entry)?.has(resource.plural) ?? false;
  }

  /**
   * Every item of a resource, read in pages; items yielded after the list completed (see class doc). When
   * `resource.project` is set, each item is replaced by its projection as its page arrives (only the
   * projections are held until the list completes; a 410 restart discards them with the rest).
   */
  async *listAll(resource: ResourceRef, opts: ListOptions = {}): AsyncGenerator<KubeObject, void, undefined> {
    const items = await this.list(resource, opts);
    for (const item of items) yield item;
  }

  /** The whole list as an array (same contract as listAll). */
  async list(resource: ResourceRef, opts: ListOptions = {}): Promise<KubeObject[]> {
    const base = apiPath(resource, opts.namespace);
    const intent: RequestIntent = {
      verb: 'list',
      group: resource.group,
      resource: resource.plural,
      ...(resource.namespaced && opts.namespace ? { namespace: opts.namespace } : {}),
      path: base,
    };
    const pageSize = opts.pageSize ?? 500;
    const apiVersion = groupVersion(resource);
    const project = resource.project;
    for (let restarts = 0; ; restarts++) {
      const items: KubeObject[] = [];
      let cont: string | undefined;
      let pages = 0;
      let expired = false;
      // The page bodies as received, hashed in order: the list's input record (a restart starts afresh).
      const digest = createHash('sha256');
      let bytes = 0;
      do {
        const q = new URLSearchParams({ limit: String(pageSize) });
        if (cont) q.set('continue', cont);
        if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
        if (opts.fieldSelector) q.set('fieldSelector', opts.fieldSelector);
        const res = await this.request(`${base}?${q.toString()}`, intent, opts.signal);
        if (res.status === 410 && cont !== undefined) {
          expired = true;
          break;
        }
        if (res.status < 200 || res.status > 299) throw this.httpError(res, intent);
        digest.update(res.bytes);
        bytes += res.bytes.length;
        const body = this.parseJson(res, intent);
        pages++;
        const where = `${base} page ${pages}`;
        if (!isRecord(body) || !Array.isArray(body['items'])) {
          throw new KubeApiError(
            'kube-api',
            `${where}: expected a list object with items[], got ${Array.isArray(body) ? 'array' : typeof body}`,
            {
              path: base,
            },
          );
        }
        const kind =
          resource.kind ??
          itemKind(body['kind']) ??
          knownResource(resource.group, resource.plural)?.kind ??
          '';
        (body['items'] as unknown[]).forEach((raw, i) => {
          if (!isRecord(raw) || !isRecord(raw['metadata']) || typeof raw['metadata']['name'] !== 'string') {
            throw new KubeApiError('kube-api', `${where}: items[${i}].metadata.name: expected string`, {
              path: base,
            });
          }
          // List items arrive without apiVersion/kind: restore them so consumers see whole objects. The
          // freshly parsed item is ours: set the fields in place (same key order as a spread copy).
          if (typeof raw['apiVersion'] !== 'string') raw['apiVersion'] = apiVersion;
          if (typeof raw['kind'] !== 'string') raw['kind'] = kind;
          const obj = scrubSecret(raw as KubeObject);
          items.push(project ? project(obj) : obj);
        });
        const meta = isRecord(body['metadata']) ? body['metadata'] : {};
        cont = typeof meta['continue'] === 'string' && meta['continue'] !== '' ? meta['continue'] : undefined;
      } while (cont);
      if (!expired) {
        this.listDigests.set(base, { sha256: digest.digest('hex'), bytes, pages, items: items.length });
        return items;
      }
      if (restarts >= this.maxListRestarts) {
        throw new KubeApiError(
          'kube-api',
          `cannot ${describe(intent)}: the continue token expired (410 Gone) ${restarts + 1} times; the list changes faster than it can be read`,
          { status: 410, reason: 'Expired', path: base, hint: 'retry later, or raise the page size' },
        );
      }
      const note =
        `listing ${describe(intent).replace(/^list /, '')}: the continue token expired (410 Gone) after ${pages} page(s); ` +
        'the list was restarted from the beginning and read again in full';
      this.notes.push(note);
      this.log?.warn(note);
    }
  }
}

/** A client for the resolved kubeconfig. */
export function createKubeClient(loaded: LoadedKubeConfig, opts: KubeClientOptions = {}): KubeClient {
  return new KubeClient(loaded, opts);
}

export type ListResult =
  { resource: ResourceRef; items: KubeObject[] } | { resource: ResourceRef; error: Error };

/**
 * Lists several resources with at most `concurrency` lists in flight. Each result holds its items or the
 * error that stopped it, so one refused resource does not hide the others. Order follows `resources`.
 */
export async function listMany(
  reader: ClusterReader,
  resources: readonly ResourceRef[],
  opts: ListOptions & { concurrency?: number } = {},
): Promise<ListResult[]> {
  const { concurrency = 4, ...listOpts } = opts;
  return mapLimit(resources, concurrency, async (resource): Promise<ListResult> => {
    try {
      const items: KubeObject[] = [];
      for await (const item of reader.listAll(resource, listOpts)) items.push(item);
      return { resource, items };
    } catch (error) {
      if (listOpts.signal?.aborted) throw error;
      return { resource, error: error instanceof Error ? error : new Error(String(error)) };
    }
  });
}
