/**
 * PDF bench: a scan of a generated 20,000-pod cluster (400 namespaces, 5,000 RBAC objects: the same cluster
 * as the live-cluster bench, read from a snapshot file) rendered to report.pdf with the real catalogues.
 * The scan that builds the model is timed apart; the figures are those of the PDF rendering. Measures wall
 * time and peak memory (node + Chromium and all its descendant processes, RSS and PSS, sampled from /proc
 * every 250 ms). Goals: under 60 s and under 1 GiB. Run: `node bench/pdf.ts [pods] [--json]`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.ts';
import { loadMappings } from '../src/mapping/load.ts';
import type { ReportModel } from '../src/model/types.ts';
import { renderJson } from '../src/render/json.ts';
import { renderPdf } from '../src/render/pdf.ts';
import { runScan } from '../src/run.ts';
import { createSources } from '../src/sources/registry.ts';
import { sha256Hex } from '../src/util/hash.ts';
import { createLogger } from '../src/util/log.ts';
import { TOOL_VERSION } from '../src/version.ts';
import { generateCluster } from './live-cluster.ts';

/** The report of an offline scan of a generated cluster (`pods` pods, pods/50 namespaces, pods/4 RBAC objects). */
export async function scannedModel(pods: number): Promise<ReportModel> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeproof-bench-pdf-'));
  try {
    const file = path.join(dir, 'cluster.json');
    const shape = { pods, namespaces: Math.max(1, Math.round(pods / 50)), rbacObjects: Math.round(pods / 4) };
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: generateCluster(shape) }));
    const cfg = await loadConfig({
      flags: {
        'inputs.snapshot': [file],
        'cluster.enabled': false,
        clusterName: 'bench-cluster',
        formats: ['json'],
        out: path.join(dir, 'out'),
        'history.previous': 'none',
      },
      env: {},
    });
    const log = createLogger({ level: 'error' });
    const now = (): Date => new Date('2026-11-23T02:00:00Z');
    const { sources } = await createSources(cfg, { log, now });
    const r = await runScan(cfg, {
      now,
      log,
      toolVersion: TOOL_VERSION,
      mappings: await loadMappings(),
      sources,
      render: () => Promise.resolve({ artifacts: [], errors: [] }),
      writeLocal: (target) => Promise.resolve({ kind: 'file', target, ok: true, artifacts: [] }),
    });
    return r.model;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface PdfBenchResult {
  pods: number;
  findings: number;
  /** Seconds the offline scan that built the model took (not part of the PDF figures). */
  scanSeconds: number;
  pages: number;
  bytes: number;
  seconds: number;
  peakNodeRssMiB: number;
  peakChromiumRssMiB: number;
  peakTotalRssMiB: number;
  /** Same as peakTotalRssMiB with PSS: RSS sums count pages shared between Chromium processes many times. */
  peakTotalPssMiB: number;
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size: shared pages divided among the processes sharing them, so sums are honest. */
function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The pid and all its descendants, from /proc/<pid>/stat parent links. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(d), ppid);
    } catch {
      // The process ended between readdir and read.
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    for (const [pid, pp] of parent) if (pp === out[i]) out.push(pid);
  }
  return out;
}

export async function benchPdf(pods = 20_000): Promise<PdfBenchResult> {
  const scanStarted = performance.now();
  const model = await scannedModel(pods);
  const scanSeconds = (performance.now() - scanStarted) / 1000;
  // No forced GC: as in `kubeproof scan --format pdf`, the scan's leftovers share the process with the renderer.
  const started = performance.now();
  const reportSha256 = sha256Hex(renderJson(model).body);
  let chromiumPid: number | undefined;
  let peakNode = 0;
  let peakChromium = 0;
  let peakTotal = 0;
  let peakPss = 0;
  const sample = (): void => {
    const node = process.memoryUsage().rss / 1024;
    const pids = chromiumPid === undefined ? [] : descendants(chromiumPid);
    const chrome = pids.reduce((s, p) => s + rssKiB(p), 0);
    peakPss = Math.max(peakPss, pssKiB(process.pid) + pids.reduce((s, p) => s + pssKiB(p), 0));
    peakNode = Math.max(peakNode, node);
    peakChromium = Math.max(peakChromium, chrome);
    peakTotal = Math.max(peakTotal, node + chrome);
  };
  const timer = setInterval(sample, 250);
  try {
    const [pdf] = await renderPdf(
      model,
      { reportSha256, now: () => new Date(model.generatedAt) },
      { onBrowserPid: (pid) => (chromiumPid = pid) },
    );
    sample();
    const body = pdf!.body as Uint8Array;
    const pages = (
      Buffer.from(body)
        .toString('latin1')
        .match(/\/Type\s*\/Page\b(?!s)/g) ?? []
    ).length;
    return {
      pods,
      findings: model.findings.length,
      scanSeconds,
      pages,
      bytes: body.length,
      seconds: (performance.now() - started) / 1000,
      peakNodeRssMiB: peakNode / 1024,
      peakChromiumRssMiB: peakChromium / 1024,
      peakTotalRssMiB: peakTotal / 1024,
      peakTotalPssMiB: peakPss / 1024,
    };
  } finally {
    clearInterval(timer);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const r = await benchPdf(Number(args.find((a) => !a.startsWith('--')) ?? 20_000));
  if (args.includes('--json')) {
    // For bench/index.ts, which runs this file in a fresh process so node's RSS is the renderer's alone.
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  }
  console.log(
    `pdf bench: ${r.pods} pods, ${r.findings} findings → ${r.pages} pages, ${(r.bytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(1)} s; ` +
      `peak RSS node ${r.peakNodeRssMiB.toFixed(0)} MiB + chromium ${r.peakChromiumRssMiB.toFixed(0)} MiB ` +
      `(sum ${r.peakTotalRssMiB.toFixed(0)} MiB RSS, ${r.peakTotalPssMiB.toFixed(0)} MiB PSS; goals < 60 s, < 1024 MiB PSS)`,
  );
  if (r.seconds >= 60 || r.peakTotalPssMiB >= 1024) process.exitCode = 1;
}
