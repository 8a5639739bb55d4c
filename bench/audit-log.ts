/**
 * Benchmark of the audit-log parser. Generates a realistic JSON-lines audit log (default 1 GB;
 * `--size 200MB` for a quick run) in a temp dir, then runs three contestants, each in its own child
 * process so its peak RSS can be read (`process.resourceUsage().maxRSS` for Node, /usr/bin/time -v
 * for jq):
 *   1. kubeproof's audit-log reader (every check, the fast path, dedupe, evidence samples);
 *   2. jq -nR 'reduce (inputs | fromjson?) ...' counting requests by verb/resource/user;
 *   3. a bare Node loop: readline + JSON.parse per line, counting by verb/resource/user.
 * The two Node contestants run alternately (kubeproof, bare, kubeproof, bare...), so a change in the
 * machine's load hits both alike; the best run of each is kept. Peak RSS of a Node child is its own
 * VmHWM (see ownHighWaterKiB). Prints MB/s, CPU, peak RSS and the ratios.
 * Usage: node bench/audit-log.ts [--size 200MB] [--repeat 3] [--workers 2] [--no-jq] [--keep]
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { readAuditLogs } from '../src/sources/audit-log/read.ts';
import { DEFAULT_OPTIONS } from '../src/sources/audit-log/types.ts';

export interface BenchOptions {
  /** Bytes of log to generate. */
  size?: number;
  /** Keep the generated file. */
  keep?: boolean;
  /** Skip jq (not installed). */
  skipJq?: boolean;
  /** Runs per Node contestant (best wall time kept): the machine may be shared. Default 3. */
  repeat?: number;
  /** AuditOptions.workers for kubeproof (default 1, the product default). */
  workers?: number;
  log?: (line: string) => void;
}

export interface ContestantResult {
  name: string;
  /** Best wall-clock time over the runs. */
  seconds: number;
  /** CPU time (user + system, all threads) of that run. */
  cpuSeconds: number;
  runs: number;
  mbPerSecond: number;
  maxRssMiB: number;
  output?: unknown;
}

export interface BenchResult {
  bytes: number;
  lines: number;
  results: ContestantResult[];
  /** Throughput ratios (wall clock), and CPU-time ratio against the bare loop. */
  ratios: { vsJq?: number; cpuVsJq?: number; vsBare: number; cpuVsBare: number };
}

const SELF = fileURLToPath(import.meta.url);

/** `200MB`, `1GB`, `512MiB`, `1000000` → bytes. */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(k|m|g)?(i?b)?$/i.exec(s.trim());
  if (!m) throw new Error(`invalid size: ${s}`);
  const unit = (m[2] ?? '').toLowerCase();
  const binary = (m[3] ?? '').toLowerCase() === 'ib';
  const exp = unit === 'k' ? 1 : unit === 'm' ? 2 : unit === 'g' ? 3 : 0;
  return Math.round(Number(m[1]) * (binary ? 1024 : 1000) ** exp);
}

/* ---------------- generator ---------------- */

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const USERS = [
  'system:serviceaccount:kube-system:replicaset-controller',
  'system:serviceaccount:kube-system:deployment-controller',
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'system:node:worker-1',
  'system:node:worker-2',
  'system:serviceaccount:monitoring:prometheus',
  'system:serviceaccount:argocd:argocd-application-controller',
  'alice@example.com',
  'bob@example.com',
  'system:anonymous',
];
const RESOURCES: [string, string, string][] = [
  ['', 'v1', 'pods'],
  ['', 'v1', 'configmaps'],
  ['', 'v1', 'secrets'],
  ['', 'v1', 'services'],
  ['', 'v1', 'endpoints'],
  ['', 'v1', 'nodes'],
  ['coordination.k8s.io', 'v1', 'leases'],
  ['apps', 'v1', 'deployments'],
  ['apps', 'v1', 'replicasets'],
  ['rbac.authorization.k8s.io', 'v1', 'rolebindings'],
];
const VERBS = ['get', 'list', 'watch', 'update', 'patch', 'create', 'delete'];

function hex(r: () => number, n: number): string {
  let s = '';
  while (s.length < n)
    s += Math.floor(r() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, n);
}

/** One realistic event line (canonical API server key order), ~0.7–4 KB. */
export function generateLine(r: () => number, t: number): string {
  const user = USERS[Math.floor(r() * r() * USERS.length)]!;
  const [group, version, resource] = RESOURCES[Math.floor(r() * RESOURCES.length)]!;
  const verb = VERBS[Math.floor(r() * r() * VERBS.length)]!;
  const ns = ['default', 'kube-system', 'payments', 'monitoring'][Math.floor(r() * 4)]!;
  const name = `${resource.slice(0, -1)}-${hex(r, 6)}`;
  const id = `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`;
  const code = user === 'system:anonymous' ? 403 : r() < 0.02 ? 404 : verb === 'create' ? 201 : 200;
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const uri = `${prefix}/namespaces/${ns}/${resource}${verb === 'list' || verb === 'watch' ? '?limit=500\\u0026resourceVersion=0' : `/${name}`}`;
  const ts = new Date(t).toISOString().replace('Z', '123Z');
  const ts2 = new Date(t + 3).toISOString().replace('Z', '456Z');
  const level = r() < 0.85 ? 'Metadata' : 'RequestResponse';
  const groups = user.startsWith('system:serviceaccount:')
    ? '["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]'
    : '["system:authenticated"]';
  const extra = user.startsWith('system:serviceaccount:')
    ? `,"extra":{"authentication.kubernetes.io/credential-id":["JTI=${hex(r, 36)}"],"authentication.kubernetes.io/node-name":["worker-1"],"authentication.kubernetes.io/pod-name":["pod-${hex(r, 5)}"]}`
    : '';
  const body =
    level === 'RequestResponse' && verb !== 'get' && verb !== 'list' && verb !== 'watch'
      ? `,"requestObject":{"kind":"${resource}","apiVersion":"${version}","metadata":{"name":"${name}","namespace":"${ns}","labels":{"app":"web","tier":"frontend"},"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"${'x'.repeat(Math.floor(r() * 1500))}"}},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}}}},"responseObject":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"${name}","kind":"${resource}","uid":"${hex(r, 32)}"}}`
      : '';
  return (
    `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"${level}","auditID":"${id}","stage":"ResponseComplete",` +
    `"requestURI":"${uri}","verb":"${verb}","user":{"username":"${user}","uid":"${hex(r, 8)}-${hex(r, 4)}","groups":${groups}${extra}},` +
    `"sourceIPs":["10.0.${Math.floor(r() * 4)}.${Math.floor(r() * 250)}"],"userAgent":"kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount:kube-system:replicaset-controller",` +
    `"objectRef":{"resource":"${resource}","namespace":"${ns}","name":"${name}","uid":"${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}","apiGroup":"${group}","apiVersion":"${version}","resourceVersion":"${Math.floor(r() * 1e7)}"},` +
    `"responseStatus":{"metadata":{},"code":${code}}${body},` +
    `"requestReceivedTimestamp":"${ts}","stageTimestamp":"${ts2}",` +
    `"annotations":{"authorization.k8s.io/decision":"${code === 403 ? 'forbid' : 'allow'}","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \\"system:controller:replicaset-controller\\" of ClusterRole \\"system:controller:replicaset-controller\\" to ServiceAccount \\"replicaset-controller/kube-system\\""}}`
  );
}

/** Writes about `size` bytes of audit log; returns the line count. */
export async function generateLog(file: string, size: number, seed = 42): Promise<number> {
  const r = rng(seed);
  const out = createWriteStream(file, { highWaterMark: 4 * 1024 * 1024 });
  let written = 0;
  let lines = 0;
  let t = Date.UTC(2026, 10, 1);
  let buf: string[] = [];
  let bufLen = 0;
  while (written < size) {
    const line = generateLine(r, t);
    t += 50 + Math.floor(r() * 200);
    buf.push(line);
    bufLen += line.length + 1;
    written += line.length + 1;
    lines++;
    if (bufLen > 4 * 1024 * 1024) {
      if (!out.write(buf.join('\n') + '\n')) await new Promise<void>((res) => out.once('drain', () => res()));
      buf = [];
      bufLen = 0;
    }
  }
  if (buf.length) out.write(buf.join('\n') + '\n');
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
  return lines;
}

/* ---------------- contestants (child side) ---------------- */

async function childKubeproof(file: string, workers: number): Promise<unknown> {
  const res = await readAuditLogs([file], { ...DEFAULT_OPTIONS, gapHours: 24, workers });
  const s = res.summary.stats;
  return { requests: s.requests, malformed: s.malformed, fastPath: s.fastPath, slowPath: s.slowPath };
}

async function childBare(file: string): Promise<unknown> {
  const counts = new Map<string, number>();
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let lines = 0;
  let malformed = 0;
  for await (const line of rl) {
    if (!line) continue;
    lines++;
    try {
      const e = JSON.parse(line) as {
        verb?: string;
        objectRef?: { resource?: string };
        user?: { username?: string };
      };
      const k = `${e.verb}|${e.objectRef?.resource ?? ''}|${e.user?.username ?? ''}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    } catch {
      malformed++;
    }
  }
  return { lines, malformed, keys: counts.size };
}

/* ---------------- parent side ---------------- */

function runChild(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ stdout, stderr, code: code ?? -1 }));
  });
}

interface ChildRun {
  seconds: number;
  cpuSeconds: number;
  maxRssKiB: number;
  output: unknown;
}

async function runNodeChild(mode: 'kubeproof' | 'bare', file: string, workers: number): Promise<ChildRun> {
  // kubeproof runs under the flags bin/kubeproof gives node; the bare loop under node's defaults.
  const { stdout, code, stderr } = await runChild(process.execPath, [
    ...(mode === 'kubeproof' ? NODE_FLAGS : []),
    SELF,
    '--child',
    mode,
    file,
    String(workers),
  ]);
  if (code !== 0) throw new Error(`${mode} child failed: ${stderr.slice(0, 500)}`);
  return JSON.parse(stdout.trim().split('\n').pop()!) as ChildRun;
}

function contestant(name: string, runs: ChildRun[], bytes: number): ContestantResult {
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  return {
    name,
    seconds: best.seconds,
    cpuSeconds: best.cpuSeconds,
    runs: runs.length,
    mbPerSecond: bytes / 1e6 / best.seconds,
    maxRssMiB: Math.max(...runs.map((r) => r.maxRssKiB)) / 1024,
    output: best.output,
  };
}

/** The two Node contestants, alternately, `repeat` times each. */
async function runNodeContestants(
  file: string,
  bytes: number,
  repeat: number,
  workers: number,
): Promise<ContestantResult[]> {
  const ours: ChildRun[] = [];
  const bare: ChildRun[] = [];
  for (let i = 0; i < repeat; i++) {
    ours.push(await runNodeChild('kubeproof', file, workers));
    bare.push(await runNodeChild('bare', file, workers));
  }
  return [
    contestant(workers > 1 ? `kubeproof (${workers} workers)` : 'kubeproof audit-log', ours, bytes),
    contestant('bare readline + JSON.parse', bare, bytes),
  ];
}

/**
 * This process's peak RSS in KiB: VmHWM (per address space, so it starts afresh at exec), falling back
 * to maxRSS where /proc is absent (on Linux maxRSS starts at the parent's RSS at fork time).
 */
function ownHighWaterKiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

async function runJq(file: string, bytes: number): Promise<ContestantResult> {
  const filter =
    'reduce (inputs | fromjson? | select(type == "object")) as $e ({}; ' +
    '.[($e.verb // "") + "|" + ($e.objectRef.resource // "") + "|" + ($e.user.username // "")] += 1) | length';
  const t0 = performance.now();
  const { stdout, stderr, code } = await runChild('/usr/bin/time', ['-v', 'jq', '-nR', filter, file]);
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`jq failed: ${stderr.slice(0, 500)}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
  return {
    name: 'jq -nR reduce fromjson?',
    seconds,
    cpuSeconds: Number(user?.[1] ?? NaN) + Number(sys?.[1] ?? NaN),
    runs: 1,
    mbPerSecond: bytes / 1e6 / seconds,
    maxRssMiB: rss ? Number(rss[1]) / 1024 : NaN,
    output: { keys: Number(stdout.trim()) },
  };
}

/** Generates the log, runs the contestants, returns the figures. */
export async function benchAuditLog(opts: BenchOptions = {}): Promise<BenchResult> {
  const size = opts.size ?? 1e9;
  const log = opts.log ?? ((l: string) => console.log(l));
  const dir = await mkdtemp(path.join(tmpdir(), 'kubeproof-bench-'));
  const file = path.join(dir, 'audit.log');
  try {
    const g0 = performance.now();
    const lines = await generateLog(file, size);
    const bytes = (await stat(file)).size;
    log(
      `generated ${(bytes / 1e6).toFixed(0)} MB, ${lines} lines in ${((performance.now() - g0) / 1000).toFixed(1)} s: ${file}`,
    );
    const results: ContestantResult[] = [];
    const repeat = opts.repeat ?? 3;
    log(
      `load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on ${availableParallelism()} CPUs; best of ${repeat} runs`,
    );
    results.push(...(await runNodeContestants(file, bytes, repeat, opts.workers ?? 1)));
    if (!opts.skipJq) results.push(await runJq(file, bytes));
    for (const r of results) {
      log(
        `${r.name.padEnd(28)} ${r.seconds.toFixed(2).padStart(7)} s ${r.mbPerSecond.toFixed(1).padStart(7)} MB/s ` +
          `cpu ${r.cpuSeconds.toFixed(2).padStart(6)} s ` +
          `peak RSS ${r.maxRssMiB.toFixed(0).padStart(4)} MiB  ${JSON.stringify(r.output)}`,
      );
    }
    const ours = results[0]!;
    const bare = results[1]!;
    const jq = results[2];
    const ratios: BenchResult['ratios'] = {
      vsBare: ours.mbPerSecond / bare.mbPerSecond,
      cpuVsBare: bare.cpuSeconds / ours.cpuSeconds,
    };
    if (jq) {
      ratios.vsJq = ours.mbPerSecond / jq.mbPerSecond;
      ratios.cpuVsJq = jq.cpuSeconds / ours.cpuSeconds;
    }
    log(
      `kubeproof vs bare loop: ${ratios.vsBare.toFixed(2)}x wall (goal >= 1.5x), ${ratios.cpuVsBare.toFixed(2)}x CPU` +
        (ratios.vsJq !== undefined
          ? `; vs jq: ${ratios.vsJq.toFixed(1)}x wall, ${ratios.cpuVsJq!.toFixed(1)}x CPU (goal >= 4x)`
          : '') +
        `; kubeproof peak RSS ${ours.maxRssMiB.toFixed(0)} MiB (goal <= 256 MiB)`,
    );
    return { bytes, lines, results, ratios };
  } finally {
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') {
    const [, mode, file, workers] = argv;
    const t0 = performance.now();
    const output =
      mode === 'kubeproof' ? await childKubeproof(file!, Number(workers ?? 1)) : await childBare(file!);
    const seconds = (performance.now() - t0) / 1000;
    const ru = process.resourceUsage();
    const cpuSeconds = (ru.userCPUTime + ru.systemCPUTime) / 1e6;
    process.stdout.write(
      JSON.stringify({ seconds, cpuSeconds, maxRssKiB: ownHighWaterKiB(), output }) + '\n',
    );
    return;
  }
  const opts: BenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--size') opts.size = parseSize(argv[++i] ?? '');
    else if (argv[i] === '--keep') opts.keep = true;
    else if (argv[i] === '--no-jq') opts.skipJq = true;
    else if (argv[i] === '--repeat') opts.repeat = Number(argv[++i]);
    else if (argv[i] === '--workers') opts.workers = Number(argv[++i]);
  }
  await benchAuditLog(opts);
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
