/** Kubeconfig files and loaded configs pointing at a test API server. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadKubeConfig } from '../../src/kube/config.ts';
import type { LoadedKubeConfig } from '../../src/kube/config.ts';
import type { KubeApiServer } from './kube-api-server.ts';

/** A kubeconfig document (YAML text) for the server, context `test`, user token `token ?? srv.token`. */
export function kubeconfigYaml(
  srv: KubeApiServer,
  opts: { token?: string; context?: string; omitCa?: boolean } = {},
): string {
  const context = opts.context ?? 'test';
  const cluster: Record<string, unknown> = { server: srv.url };
  if (srv.caPem && !opts.omitCa)
    cluster['certificate-authority-data'] = Buffer.from(srv.caPem).toString('base64');
  else if (!srv.caPem) cluster['insecure-skip-tls-verify'] = true;
  const token = opts.token ?? srv.token;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: `${context}-cluster`, cluster }],
    users: [{ name: `${context}-user`, user: token ? { token } : {} }],
    contexts: [{ name: context, context: { cluster: `${context}-cluster`, user: `${context}-user` } }],
    'current-context': context,
  });
}

/** Writes files into a fresh temp dir removed at teardown; returns the dir. */
export function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeproof-kube-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes a kubeconfig for the server and loads it with loadKubeConfig. */
export function loadedFor(
  t: { teardown(fn: () => void): void },
  srv: KubeApiServer,
  opts: { token?: string; omitCa?: boolean } = {},
): LoadedKubeConfig {
  const file = path.join(tempDir(t), 'kubeconfig');
  writeFileSync(file, kubeconfigYaml(srv, opts));
  return loadKubeConfig({ kubeconfig: file, env: {} });
}
