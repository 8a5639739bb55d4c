/**
 * `npm run bench`: every benchmark in one process, one after the other. Each prints a block: what was
 * measured and on how much data, the figures, the ratio against its named baseline (measured in the same
 * run on the same data), and each goal with PASS or MISS. A MISS is a finding, not a failure: the exit
 * code is non-zero only when a bench crashes.
 *
 *   node bench/index.ts [--only live-cluster,pipeline] [--quick] [--json bench-results.json]
 *
 * `--quick` shrinks the data for a smoke run (2,000 pods, 50 MB of audit log, 2,000 findings); its
 * figures are not comparable with the goals, which are stated for the full sizes.
 */
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import type { PdfBenchResult } from './pdf.ts';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface Goal {
  text: string;
  met: boolean;
}

export interface BenchBlock {
  name: string;
  /** What was measured, on how much data. */
  data: string;
  figures: [string, string][];
  /** `<ratio> vs <named baseline>` lines. */
  ratios: string[];
  goals: Goal[];
  notes: string[];
  raw: unknown;
}

export interface BenchContext {
  quick: boolean;
  log: (line: string) => void;
}

export interface BenchDef {
  name: string;
  run(ctx: BenchContext): Promise<BenchBlock>;
}

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const int = (x: number): string => Math.round(x).toLocaleString('en-US');

/* ---------------- the benches ---------------- */

const liveCluster: BenchDef = {
  name: 'live-cluster',
  async run({ quick, log }) {
    const shape = quick
      ? { pods: 2_000, namespaces: 40, rbacObjects: 500 }
      : { pods: 20_000, namespaces: 400, rbacObjects: 5_000 };
    const { benchLiveCluster } = await import('./live-cluster.ts');
    const r = await benchLiveCluster({ ...shape, repeat: quick ? 1 : 3, log });
    const kubectl = r.kubectl && 'ms' in r.kubectl ? r.kubectl : undefined;
    return {
      name: 'live-cluster',
      data:
        `${int(r.shape.pods)} pods in ${r.shape.namespaces} namespaces, ${int(r.shape.rbacObjects)} RBAC objects; ` +
        `${int(r.objects)} objects, ${f1(r.wireBytes / 1e6)} MB JSON, over loopback TLS (bearer token)`,
      figures: [
        [
          'bare listing (baseline)',
          `${int(r.bare.bestMs)} ms best, ${int(r.bare.medianMs)} ms median of ${r.bare.runsMs.length} (${int(r.bare.items)} items)`,
        ],
        [
          'collection + analysis + JSON report',
          `${int(r.full.bestMs)} ms best, ${int(r.full.medianMs)} ms median of ${r.full.runsMs.length}`,
        ],
        [
          'findings',
          `${int(r.full.findings)} (${Object.entries(r.full.findingsBySource)
            .map(([k, v]) => `${k} ${int(v)}`)
            .join(', ')}); report.json ${f1(r.full.reportBytes / 1e6)} MB; exit ${r.full.exitCode}`,
        ],
        [
          'full path phases (best run)',
          `list ${int(r.full.phases.listMs)}, analyze ${int(r.full.phases.analyzeMs)}, assess+build ${int(r.full.phases.assessBuildMs)}, ` +
            `render ${int(r.full.phases.renderMs)}, write ${int(r.full.phases.writeMs)}, other ${int(r.full.phases.otherMs)} ms`,
        ],
        [
          'full path peak RSS by phase',
          `list ${int(r.full.phasePeakRssMiB.list)}, analyze ${int(r.full.phasePeakRssMiB.analyze)}, ` +
            `assess+build ${int(r.full.phasePeakRssMiB.assessBuild)}, render ${int(r.full.phasePeakRssMiB.render)}, ` +
            `write ${int(r.full.phasePeakRssMiB.write)} MiB`,
        ],
        [
          'client peak RSS',
          `${int(r.clientMaxRssMiB)} MiB maxRSS (kernel), ${int(r.clientSampledPeakRssMiB)} MiB sampled every 20 ms from /proc ` +
            '(bare listings and full paths in one process)',
        ],
        [
          'full path alone, peak RSS',
          `${int(r.fullAloneMaxRssMiB)} MiB (one full path in a fresh process; base ${int(r.fullAloneBaseRssMiB)}, ` +
            `list ${int(r.fullAlonePhasePeakRssMiB.list)}, analyze ${int(r.fullAlonePhasePeakRssMiB.analyze)}, ` +
            `assess+build ${int(r.fullAlonePhasePeakRssMiB.assessBuild)}, render ${int(r.fullAlonePhasePeakRssMiB.render)}, ` +
            `write ${int(r.fullAlonePhasePeakRssMiB.write)} MiB)`,
        ],
        [
          'in-process RSS samples',
          `base ${int(r.baseRssMiB)} MiB (mappings loaded), bare ${int(r.bare.sampledPeakRssMiB)} MiB, full ${int(r.full.sampledPeakRssMiB)} MiB`,
        ],
        ...(kubectl
          ? ([
              [
                'kubectl get -o json',
                `${int(kubectl.ms)} ms, maxRSS ${int(kubectl.maxRssMiB)} MiB, ${int(kubectl.items)} items (${kubectl.version})`,
              ],
            ] as [string, string][])
          : []),
      ],
      ratios: [
        `${f2(r.ratio)}x vs bare paginated listing of the same lists with the same client (best vs best)`,
        ...(kubectl ? [`${f2(r.full.bestMs / kubectl.ms)}x vs kubectl get <same lists> -A -o json`] : []),
      ],
      goals: [
        { text: 'analysis adds at most 20% over bare listing (ratio <= 1.20)', met: r.ratio <= 1.2 },
        { text: 'kubeproof peak RSS <= 512 MiB (full path alone)', met: r.fullAloneMaxRssMiB <= 512 },
      ],
      notes: [r.processes, ...(r.kubectl && 'skipped' in r.kubectl ? [`kubectl: ${r.kubectl.skipped}`] : [])],
      raw: r,
    };
  },
};

const pipeline: BenchDef = {
  name: 'pipeline',
  async run({ quick }) {
    const { benchPipeline } = await import('./pipeline.ts');
    const r = await benchPipeline({ findings: quick ? 2_000 : 20_000, repeat: quick ? 2 : 5 });
    return {
      name: 'pipeline',
      data: `${int(r.findings)} synthetic findings (${r.mappedRules} rule keys, 10% unmapped) over the shipped mappings: ${r.frameworks} frameworks, ${int(r.controls)} controls`,
      figures: [
        ['group by rule (baseline)', `${f1(r.baselineMs)} ms`],
        ['assess', `${f1(r.assessMs)} ms`],
        ['buildReport', `${f1(r.buildMs)} ms`],
        ['assess + buildReport', `${f1(r.totalMs)} ms (best of ${r.repeat})`],
        ['load mappings cold (fresh process, import included)', `${int(r.mappingsColdMs)} ms`],
        ['load mappings again (warm process)', `${int(r.mappingsWarmMs)} ms`],
      ],
      ratios: [`${int(r.ratio)}x vs a bare loop grouping the findings by rule key`],
      goals: [
        {
          text: 'assess + buildReport of 20,000 findings under 1 s (kubeproof budget, not from the issue)',
          met: r.totalMs < 1000 * (r.findings / 20_000),
        },
      ],
      notes: [],
      raw: r,
    };
  },
};

const kubeList: BenchDef = {
  name: 'kube-list',
  async run({ quick }) {
    const pods = quick ? 2_000 : 20_000;
    const { benchKubeList } = await import('./kube-list.ts');
    const r = await benchKubeList({ pods });
    return {
      name: 'kube-list',
      data: `${int(r.pods)} minimal pods, one list of ${r.pages} pages of ${r.pageSize}, loopback TLS, server in-process`,
      figures: [
        ['wall time', `${int(r.ms)} ms (${int(r.podsPerSecond)} pods/s)`],
        [
          'RSS',
          `${f1(r.rssBaseMb)} MB after the server was loaded, ${f1(r.rssPeakMb)} MB peak (server included)`,
        ],
        ['heap used after', `${f1(r.heapUsedAfterMb)} MB`],
      ],
      ratios: [
        'none: the raw client throughput on minimal pods (live-cluster uses the same client as its baseline)',
      ],
      goals: [],
      notes: [
        'server and client share this process: RSS includes the server and whatever earlier benches left in the heap (reference only)',
      ],
      raw: r,
    };
  },
};

const pdf: BenchDef = {
  name: 'pdf',
  async run({ quick }) {
    const r = await pdfInChild(quick ? 2_000 : 20_000);
    return {
      name: 'pdf',
      data: `an offline scan of a generated ${int(r.pods)}-pod cluster (the live-cluster bench's), ${int(r.findings)} findings, the real catalogues → report.pdf`,
      figures: [
        ['scan that built the model', `${f1(r.scanSeconds)} s (not counted below)`],
        ['wall time', `${f1(r.seconds)} s`],
        ['output', `${r.pages} pages, ${f1(r.bytes / 1e6)} MB`],
        [
          'peak RSS',
          `node ${int(r.peakNodeRssMiB)} MiB + Chromium tree ${int(r.peakChromiumRssMiB)} MiB = ${int(r.peakTotalRssMiB)} MiB`,
        ],
        ['peak PSS (node + Chromium tree)', `${int(r.peakTotalPssMiB)} MiB`],
      ],
      ratios: [
        `${f2(r.seconds / 60)}x of the 60 s budget; ${f2(r.peakTotalPssMiB / 1024)}x of the 1 GiB budget (PSS)`,
      ],
      goals: [
        { text: 'under 60 s', met: r.seconds < 60 },
        { text: 'under 1 GiB (node + Chromium, PSS)', met: r.peakTotalPssMiB < 1024 },
      ],
      notes: [
        'run in a fresh Node process under the flags bin/kubeproof uses, after the scan in that same process (as scan --format pdf does); memory sampled from /proc every 250 ms; RSS sums count pages shared between Chromium processes several times, PSS does not',
      ],
      raw: r,
    };
  },
};

/** Runs bench/pdf.ts in a fresh Node process: node's RSS and PSS are then the renderer's, not this process's. */
function pdfInChild(pods: number): Promise<PdfBenchResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...NODE_FLAGS, path.join(HERE, 'pdf.ts'), String(pods), '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{'))
        reject(new Error(`bench/pdf.ts exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(last) as PdfBenchResult);
    });
  });
}

/** The audit-log bench's exports used here (bench/audit-log.ts, when present). */
interface AuditLogModule {
  benchAuditLog(opts: {
    size?: number;
    repeat?: number;
    skipJq?: boolean;
    log?: (l: string) => void;
  }): Promise<{
    bytes: number;
    lines: number;
    results: {
      name: string;
      seconds: number;
      cpuSeconds: number;
      runs: number;
      mbPerSecond: number;
      maxRssMiB: number;
    }[];
    ratios: { vsJq?: number; cpuVsJq?: number; vsBare: number; cpuVsBare: number };
  }>;
}

const AUDIT_LOG_FILE = path.join(HERE, 'audit-log.ts');

const auditLog: BenchDef = {
  name: 'audit-log',
  async run({ quick, log }) {
    // A path import, so the index type-checks and runs whether or not bench/audit-log.ts is there.
    const mod = (await import(pathToFileURL(AUDIT_LOG_FILE).href)) as AuditLogModule;
    const jq = hasCommand('jq');
    const parentRssMiB = Math.round(process.memoryUsage().rss / 1024 / 1024);
    const r = await mod.benchAuditLog({ size: quick ? 50e6 : 1e9, repeat: quick ? 1 : 3, skipJq: !jq, log });
    const ours = r.results[0]!;
    return {
      name: 'audit-log',
      data: `${f1(r.bytes / 1e6)} MB generated JSON-lines audit log, ${int(r.lines)} events; each contestant in its own process`,
      figures: r.results.map((c): [string, string] => [
        c.name,
        `${f2(c.seconds)} s (best of ${c.runs}), ${f1(c.mbPerSecond)} MB/s, CPU ${f2(c.cpuSeconds)} s, maxRSS ${int(c.maxRssMiB)} MiB`,
      ]),
      ratios: [
        `${f2(r.ratios.vsBare)}x throughput vs bare readline + JSON.parse loop (${f2(r.ratios.cpuVsBare)}x CPU)`,
        ...(r.ratios.vsJq !== undefined
          ? [`${f1(r.ratios.vsJq)}x throughput vs jq (${f1(r.ratios.cpuVsJq!)}x CPU)`]
          : []),
      ],
      goals: [
        { text: '>= 1.5x the bare Node loop', met: r.ratios.vsBare >= 1.5 },
        ...(r.ratios.vsJq !== undefined ? [{ text: '>= 4x jq', met: r.ratios.vsJq >= 4 }] : []),
        { text: 'kubeproof peak RSS <= 256 MiB', met: ours.maxRssMiB <= 256 },
      ],
      notes: [
        ...(jq ? [] : ['jq not installed: the jq comparison was skipped']),
        "peak RSS of the Node contestants is their own VmHWM (/proc/self/status, reset at exec), jq's from " +
          `/usr/bin/time; this process held ${parentRssMiB} MiB when they were spawned (not counted in theirs)`,
        'kubeproof runs under the V8 flags bin/kubeproof passes (src/cli/node-flags.ts), the bare loop under defaults',
      ],
      raw: r,
    };
  },
};

function hasCommand(cmd: string): boolean {
  return (process.env['PATH'] ?? '').split(path.delimiter).some((d) => d && existsSync(path.join(d, cmd)));
}

/**
 * Every bench, in run order; audit-log only when its file exists. Benches that measure a child process's
 * memory run first, while this process is small (bench modules are imported only when their bench runs),
 * then those that run in this process.
 */
export function allBenches(): BenchDef[] {
  return [...(existsSync(AUDIT_LOG_FILE) ? [auditLog] : []), liveCluster, pdf, pipeline, kubeList];
}

/* ---------------- driver ---------------- */

export interface IndexArgs {
  only?: string[];
  quick: boolean;
  json?: string;
}

export function parseArgs(argv: string[]): IndexArgs {
  const out: IndexArgs = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) throw new Error(`${a.split('=')[0]} needs a value`);
      return v;
    };
    if (a === '--quick') out.quick = true;
    else if (a === '--only' || a.startsWith('--only='))
      out.only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === '--json' || a.startsWith('--json=')) out.json = value();
    else if (a === '--help' || a === '-h') throw new Error('usage');
    else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

export function machineInfo(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
  };
}

export function formatBlock(b: BenchBlock, seconds: number): string {
  const w = Math.max(...b.figures.map(([k]) => k.length), 8);
  const lines = [`== ${b.name} ${'='.repeat(Math.max(3, 100 - b.name.length))}`, `data:     ${b.data}`];
  for (const [k, v] of b.figures) lines.push(`  ${k.padEnd(w)}  ${v}`);
  for (const r of b.ratios) lines.push(`ratio:    ${r}`);
  for (const g of b.goals) lines.push(`goal:     ${g.met ? 'PASS' : 'MISS'}  ${g.text}`);
  for (const n of b.notes) lines.push(`note:     ${n}`);
  lines.push(`(bench took ${f1(seconds)} s)`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  let args: IndexArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    const msg = (err as Error).message;
    if (msg !== 'usage') process.stderr.write(`bench: ${msg}\n`);
    process.stderr.write('usage: node bench/index.ts [--only name[,name]] [--quick] [--json out.json]\n');
    return msg === 'usage' ? 0 : 2;
  }
  const benches = allBenches();
  const names = benches.map((b) => b.name);
  const unknown = (args.only ?? []).filter((n) => !names.includes(n) && n !== 'audit-log');
  if (unknown.length) {
    process.stderr.write(`bench: unknown bench ${unknown.join(', ')}; known: ${names.join(', ')}\n`);
    return 2;
  }
  const selected = args.only ? benches.filter((b) => args.only!.includes(b.name)) : benches;
  const machine = machineInfo();
  console.log(
    `kubeproof benchmarks${args.quick ? ' (--quick: reduced sizes, goals are stated for the full sizes)' : ''}`,
  );
  for (const [k, v] of Object.entries(machine)) console.log(`  ${k.padEnd(12)} ${v}`);
  if (!existsSync(AUDIT_LOG_FILE))
    console.log('  (bench/audit-log.ts not present: the audit-log bench is skipped)');
  const results: { name: string; ok: boolean; seconds: number; block?: BenchBlock; error?: string }[] = [];
  for (const b of selected) {
    console.log('');
    const t0 = performance.now();
    try {
      const block = await b.run({ quick: args.quick, log: (l) => console.log(`  · ${l}`) });
      const seconds = (performance.now() - t0) / 1000;
      console.log(formatBlock(block, seconds));
      results.push({ name: b.name, ok: true, seconds, block });
    } catch (err) {
      const seconds = (performance.now() - t0) / 1000;
      console.log(`== ${b.name} CRASHED after ${f1(seconds)} s: ${(err as Error).stack ?? String(err)}`);
      results.push({ name: b.name, ok: false, seconds, error: (err as Error).message ?? String(err) });
    }
  }
  console.log('');
  console.log('summary:');
  for (const r of results) {
    const goals = r.block?.goals ?? [];
    const missed = goals.filter((g) => !g.met).length;
    const verdict = !r.ok
      ? 'CRASHED'
      : goals.length === 0
        ? 'no goal (reference figures)'
        : missed
          ? `MISS ${missed}/${goals.length} goals`
          : `PASS ${goals.length}/${goals.length} goals`;
    console.log(`  ${r.name.padEnd(14)} ${verdict}`);
  }
  if (args.json) {
    const doc = {
      generatedAt: new Date().toISOString(),
      quick: args.quick,
      machine,
      benches: results.map((r) => ({
        name: r.name,
        ok: r.ok,
        seconds: Math.round(r.seconds * 10) / 10,
        ...(r.block
          ? {
              data: r.block.data,
              figures: Object.fromEntries(r.block.figures),
              ratios: r.block.ratios,
              goals: r.block.goals,
              notes: r.block.notes,
              raw: r.block.raw,
            }
          : {}),
        ...(r.error ? { error: r.error } : {}),
      })),
    };
    writeFileSync(args.json, JSON.stringify(doc, null, 2) + '\n');
    console.log(`figures written to ${args.json}`);
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
