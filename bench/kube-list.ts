/**
 * Bench: a bare paginated listing of N pods over loopback TLS with a bearer token, through the real
 * client (KubeClient.list) against the in-process test API server. Server and client share the process,
 * so RSS includes the server's copy of the objects; `rssBaseMb` is measured after the server is loaded.
 *
 * Run alone: `node bench/kube-list.ts [pods=20000] [pageSize=500]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createKubeClient } from '../src/kube/client.ts';
import { loadKubeConfig } from '../src/kube/config.ts';
import { knownResource } from '../src/kube/resources.ts';
import { generatePods, startKubeApiServer } from '../test/support/kube-api-server.ts';
import { kubeconfigYaml } from '../test/support/kube-config.ts';

export interface KubeListBenchResult {
  pods: number;
  pageSize: number;
  pages: number;
  ms: number;
  podsPerSecond: number;
  rssBaseMb: number;
  rssPeakMb: number;
  heapUsedAfterMb: number;
}

const mb = (n: number): number => Math.round((n / 1024 / 1024) * 10) / 10;

export async function benchKubeList(
  opts: { pods?: number; pageSize?: number } = {},
): Promise<KubeListBenchResult> {
  const pods = opts.pods ?? 20_000;
  const pageSize = opts.pageSize ?? 500;
  const srv = await startKubeApiServer({ tls: true, token: 'bench-token', objects: generatePods(pods, 20) });
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeproof-bench-'));
  try {
    const file = path.join(dir, 'kubeconfig');
    writeFileSync(file, kubeconfigYaml(srv));
    const client = createKubeClient(loadKubeConfig({ kubeconfig: file, env: {} }));
    globalThis.gc?.();
    const rssBase = process.memoryUsage().rss;
    let rssPeak = rssBase;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 10);
    const started = performance.now();
    const items = await client.list(knownResource('', 'pods')!, { pageSize });
    const ms = performance.now() - started;
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    if (items.length !== pods) throw new Error(`bench: listed ${items.length} pods, expected ${pods}`);
    return {
      pods,
      pageSize,
      pages: srv.requests.filter((r) => r.path === '/api/v1/pods').length,
      ms: Math.round(ms),
      podsPerSecond: Math.round((pods / ms) * 1000),
      rssBaseMb: mb(rssBase),
      rssPeakMb: mb(rssPeak),
      heapUsedAfterMb: mb(process.memoryUsage().heapUsed),
    };
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [pods, pageSize] = process.argv.slice(2).map(Number);
  const result = await benchKubeList({ ...(pods ? { pods } : {}), ...(pageSize ? { pageSize } : {}) });
  process.stdout.write(JSON.stringify(result) + '\n');
}
