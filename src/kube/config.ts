/**
 * Builds a KubeConfig from, in order: `--kubeconfig` (repeatable paths), the KUBECONFIG environment
 * variable (path-list, first definition of a name wins, as kubectl merges), `~/.kube/config`, then
 * in-cluster (service account token + CA, KUBERNETES_SERVICE_HOST). Never falls back to
 * http://localhost:8080 as client-node's loadFromDefault() does: no configuration is a ConfigError.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import { ConfigError } from '../errors.ts';
import { redactText, redactUrl } from '../util/redact.ts';
import type { ClusterIdentity } from './types.ts';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigOptions {
  /** `--kubeconfig` path(s); when given, KUBECONFIG and ~/.kube/config are not read. */
  kubeconfig?: string | string[];
  /** `--context`; default the file's current-context. */
  context?: string;
  /** Force in-cluster configuration (the CronJob). */
  inCluster?: boolean;
  /** Environment (default process.env): KUBECONFIG, KUBERNETES_SERVICE_HOST/PORT, HOME. */
  env?: Record<string, string | undefined>;
  /** Service account mount (default SERVICE_ACCOUNT_DIR); tests point it at a temp dir. */
  serviceAccountDir?: string;
  /** Home directory for ~/.kube/config (default os.homedir()). */
  home?: string;
}

export interface LoadedKubeConfig {
  kc: KubeConfig;
  identity: ClusterIdentity;
  /** Where the credentials come from, for error messages (`kubeconfig /path context x`, `in-cluster service account`). */
  credentialSource: string;
}

const HOW_TO_CONFIGURE =
  'configure cluster access with --kubeconfig PATH (and --context NAME), the KUBECONFIG environment variable, ' +
  'or run inside the cluster with a service account (see deploy/); to scan without a cluster use --snapshot PATH ' +
  '(kubectl get -o json output) or --no-cluster';

/** Display form of a server URL: no user info, no query, no trailing slash added. */
export function displayServer(server: string): string {
  const shown = redactUrl(server);
  return server.endsWith('/') ? shown : shown.replace(/\/$/, '');
}

/** True for the configuration client-node invents when nothing is configured. */
export function isDefaultFallback(kc: KubeConfig): boolean {
  const cluster = kc.getCurrentCluster();
  if (!cluster || !cluster.server) return true;
  return /^http:\/\/(localhost|127\.0\.0\.1):8080\/?$/.test(cluster.server) && kc.getClusters().length === 1;
}

/** Loads and merges kubeconfig files; the first file to define a name wins, as kubectl does. */
function loadFiles(files: string[]): KubeConfig {
  const clusters: Cluster[] = [];
  const users: User[] = [];
  const contexts: Context[] = [];
  let current: string | undefined;
  for (const file of files) {
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new ConfigError(`kubeconfig: file not found: ${file}`, HOW_TO_CONFIGURE);
    }
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (err) {
      // YAML errors quote file lines (possibly a token) after the first line: keep the first line, redacted.
      const first = redactText(String((err as Error).message ?? err).split('\n')[0] ?? '').slice(0, 160);
      throw new ConfigError(`kubeconfig: ${file}: cannot parse: ${first}`, HOW_TO_CONFIGURE);
    }
    for (const c of one.getClusters()) if (!clusters.some((x) => x.name === c.name)) clusters.push(c);
    for (const u of one.getUsers()) if (!users.some((x) => x.name === u.name)) users.push(u);
    for (const c of one.getContexts()) if (!contexts.some((x) => x.name === c.name)) contexts.push(c);
    const cur = one.getCurrentContext();
    if (!current && cur) current = cur;
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters, users, contexts, currentContext: current ?? '' });
  return kc;
}

function fromKubeconfig(files: string[], opts: KubeConfigOptions): LoadedKubeConfig {
  const kc = loadFiles(files);
  const where = files.join(path.delimiter);
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const names = kc.getContexts().map((c) => c.name);
      throw new ConfigError(
        `--context: no context named "${opts.context}" in ${where} (contexts: ${names.join(', ') || 'none'})`,
        HOW_TO_CONFIGURE,
      );
    }
    kc.setCurrentContext(opts.context);
  }
  const context = kc.getCurrentContext();
  if (!context || !kc.getContextObject(context)) {
    throw new ConfigError(
      `kubeconfig: ${where}: no current-context${context ? ` ("${context}" is not defined)` : ''}; pass --context`,
      HOW_TO_CONFIGURE,
    );
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new ConfigError(
      `kubeconfig: ${where}: context "${context}" names an undefined cluster`,
      HOW_TO_CONFIGURE,
    );
  }
  if (isDefaultFallback(kc)) {
    throw new ConfigError(
      `kubeconfig: ${where}: context "${context}" points at ${cluster.server || 'no server'}, the unconfigured default`,
      HOW_TO_CONFIGURE,
    );
  }
  return {
    kc,
    identity: { name: context, server: displayServer(cluster.server), source: 'kubeconfig' },
    credentialSource: `kubeconfig ${where}, context "${context}"`,
  };
}

function fromCluster(opts: KubeConfigOptions, env: Record<string, string | undefined>): LoadedKubeConfig {
  const dir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  const tokenFile = path.join(dir, 'token');
  const caFile = path.join(dir, 'ca.crt');
  if (!host)
    throw new ConfigError(
      'in-cluster: KUBERNETES_SERVICE_HOST is not set (not running in a pod?)',
      HOW_TO_CONFIGURE,
    );
  if (!existsSync(tokenFile)) {
    throw new ConfigError(
      `in-cluster: no service account token at ${tokenFile} (automountServiceAccountToken disabled?)`,
      HOW_TO_CONFIGURE,
    );
  }
  if (!existsSync(caFile))
    throw new ConfigError(`in-cluster: no CA certificate at ${caFile}`, HOW_TO_CONFIGURE);
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const server = `https://${hostPart}:${port}`;
  const namespaceFile = path.join(dir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile, skipTLSVerify: false }],
    // tokenFile: client-node re-reads the projected token, which the kubelet rotates.
    users: [{ name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [
      { name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', ...(namespace ? { namespace } : {}) },
    ],
    currentContext: 'in-cluster',
  });
  return {
    kc,
    identity: { name: 'in-cluster', server: displayServer(server), source: 'in-cluster' },
    credentialSource: `in-cluster service account token ${tokenFile}`,
  };
}

/** Resolves cluster access; throws ConfigError (never a silent localhost) when nothing is configured. */
export function loadKubeConfig(opts: KubeConfigOptions = {}): LoadedKubeConfig {
  const env = opts.env ?? process.env;
  if (opts.inCluster) return fromCluster(opts, env);
  const explicit = opts.kubeconfig === undefined ? [] : [opts.kubeconfig].flat().filter((f) => f !== '');
  if (explicit.length > 0) return fromKubeconfig(explicit, opts);
  const fromEnv = (env['KUBECONFIG'] ?? '').split(path.delimiter).filter((f) => f !== '');
  if (fromEnv.length > 0) {
    // kubectl ignores KUBECONFIG entries that do not exist, but fails when none does.
    const present = fromEnv.filter((f) => existsSync(f));
    if (present.length === 0) {
      throw new ConfigError(
        `KUBECONFIG: none of the listed files exists: ${fromEnv.join(path.delimiter)}`,
        HOW_TO_CONFIGURE,
      );
    }
    return fromKubeconfig(present, opts);
  }
  const home = opts.home ?? env['HOME'] ?? os.homedir();
  const defaultFile = path.join(home, '.kube', 'config');
  if (existsSync(defaultFile)) return fromKubeconfig([defaultFile], opts);
  if (env['KUBERNETES_SERVICE_HOST']) return fromCluster(opts, env);
  throw new ConfigError(
    'no Kubernetes cluster configured (no --kubeconfig, KUBECONFIG, ~/.kube/config or in-cluster service account)',
    HOW_TO_CONFIGURE,
  );
}
