/**
 * Errors of the Kubernetes access layer. Messages are built from what kubeproof asked for (verb,
 * resource, scope), never from raw response bodies or headers, so no token or secret can leak into them.
 */
import { SourceError } from '../errors.ts';
import { qualifiedName } from './resources.ts';

/** The manifest that grants kubeproof's read-only access. */
export const CLUSTERROLE_MANIFEST = 'deploy/base/clusterrole.yaml';

/** What a request was trying to do, for error messages. */
export interface RequestIntent {
  verb: string;
  group: string;
  /** Plural resource name (`clusterroles`, `pods/log`). */
  resource: string;
  namespace?: string;
  name?: string;
  /** URL path (no query), for the `path` field. */
  path: string;
}

/** 401 or 403 from the API server. code `unauthorized` or `forbidden`. */
export class KubeAccessError extends SourceError {
  readonly status: 401 | 403;
  readonly intent: RequestIntent;
  constructor(status: 401 | 403, intent: RequestIntent, message: string, hint: string) {
    super(status === 401 ? 'unauthorized' : 'forbidden', message, hint);
    this.status = status;
    this.intent = intent;
  }
}

/**
 * Any other API failure after retries (5xx, 404, network, timeout) or unusable credentials.
 * code `kube-api`, `kube-unreachable`, `timeout` or `credentials`.
 */
export class KubeApiError extends SourceError {
  readonly status: number | undefined;
  readonly reason: string | undefined;
  readonly path: string;
  constructor(
    code: 'kube-api' | 'kube-unreachable' | 'timeout' | 'credentials',
    message: string,
    opts: { status?: number; reason?: string; path: string; hint?: string; cause?: unknown },
  ) {
    super(code, message, opts.hint, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.status = opts.status;
    this.reason = opts.reason;
    this.path = opts.path;
  }
}

function scopeText(intent: RequestIntent): string {
  return intent.namespace ? `in namespace "${intent.namespace}"` : 'at the cluster scope';
}

/**
 * 403: names the exact missing permission and the manifest that grants it. `user` comes from the
 * server's Status message (`User "..."`), which carries only the identity name.
 */
export function forbiddenError(intent: RequestIntent, user: string | undefined): KubeAccessError {
  const what = qualifiedName({ group: intent.group, plural: intent.resource });
  const groupText = intent.group === '' ? 'the core API group ("")' : `API group "${intent.group}"`;
  const message =
    `403 Forbidden: cannot ${intent.verb} ${what} ${scopeText(intent)}` +
    `${user ? ` as ${user}` : ''}: missing permission "${intent.verb}" on resource "${intent.resource}" in ` +
    `${groupText} ${scopeText(intent)} (granted by ${CLUSTERROLE_MANIFEST})`;
  const hint =
    `grant "${intent.verb}" on "${intent.resource}" (apiGroups: ["${intent.group}"]) to kubeproof's identity: ` +
    `apply ${CLUSTERROLE_MANIFEST} (a read-only ClusterRole) and its ClusterRoleBinding, or disable the source that needs it`;
  return new KubeAccessError(403, intent, message, hint);
}

/** 401: the credentials were refused; says where they come from without showing them. */
export function unauthorizedError(intent: RequestIntent, credentialSource: string): KubeAccessError {
  const message =
    `401 Unauthorized: the API server refused kubeproof's credentials (${credentialSource}) while trying to ` +
    `${intent.verb} ${qualifiedName({ group: intent.group, plural: intent.resource })}`;
  const hint =
    'the token or client certificate is missing, expired or revoked: check --kubeconfig/--context (or KUBECONFIG), ' +
    'or in the cluster the service account token mounted at /var/run/secrets/kubernetes.io/serviceaccount/token';
  return new KubeAccessError(401, intent, message, hint);
}

/** Extracts `User "…"` from a 403 Status message (identity names only; nothing else of the body is kept). */
export function userFromForbidden(body: string): string | undefined {
  const m = /User \\?"([^"\\]{1,253})\\?"/.exec(body);
  return m?.[1];
}

/** Reads `reason` and a short message from a Status body; undefined when the body is not a Status. */
export function parseStatus(body: string): { reason?: string; message?: string; code?: number } | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    if (!v || typeof v !== 'object' || (v as Record<string, unknown>)['kind'] !== 'Status') return undefined;
    const s = v as Record<string, unknown>;
    return {
      ...(typeof s['reason'] === 'string' ? { reason: s['reason'] } : {}),
      ...(typeof s['message'] === 'string' ? { message: s['message'] } : {}),
      ...(typeof s['code'] === 'number' ? { code: s['code'] } : {}),
    };
  } catch {
    return undefined;
  }
}
