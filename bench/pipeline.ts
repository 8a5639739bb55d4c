/**
 * Pipeline bench: `assess` + `buildReport` over N synthetic findings (default 20,000) mapped through the
 * real mappings (`loadMappings()`): findings use rule ids the shipped rule maps know (rbac, workloads,
 * kube-bench with its benchmark variants) plus a share of unmapped ones, over many resources, with a
 * realistic status mix. Baseline: a bare loop that only groups the findings by rule key (the irreducible
 * cost of touching every finding once). Also measures loading the mappings cold, in a fresh Node process
 * (module import + YAML parse + validation), and warm (a second load in this process).
 *
 * Run alone: `node bench/pipeline.ts [findings=20000] [repeat=5]`.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assess } from '../src/mapping/assess.ts';
import { loadMappings } from '../src/mapping/load.ts';
import { ruleKey, type MappingBundle } from '../src/mapping/types.ts';
import type { Evidence, Finding, FindingStatus, RunRecord, Severity, SourceId } from '../src/model/types.ts';
import { buildReport } from '../src/report/build.ts';
import { stableId } from '../src/util/hash.ts';

const SELF = fileURLToPath(import.meta.url);

export interface PipelineResult {
  findings: number;
  evidence: number;
  mappedRules: number;
  frameworks: number;
  controls: number;
  /** Best of `repeat` runs, ms. */
  assessMs: number;
  buildMs: number;
  /** assess + buildReport, best run. */
  totalMs: number;
  /** The grouping loop, best run. */
  baselineMs: number;
  /** totalMs / baselineMs. */
  ratio: number;
  /** Fresh process: time to import the loader and load mappings/ (median of 3 processes). */
  mappingsColdMs: number;
  /** Loading mappings/ again in this process (modules imported, file cache warm). */
  mappingsWarmMs: number;
  repeat: number;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEVERITY_LIST: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/**
 * N findings over the bundle's mapped rules (90%) and unknown rule ids (10%, which land in `unmapped`),
 * each on its own resource; one evidence record per finding. Deterministic.
 */
export function syntheticFindings(
  bundle: MappingBundle,
  n: number,
  seed = 11,
): { findings: Finding[]; evidence: Evidence[]; sources: SourceId[] } {
  const r = rng(seed);
  const rules = [...bundle.rules.values()].filter(
    (e) => e.objectives.length > 0 && ['rbac', 'workloads', 'kube-bench'].includes(e.source),
  );
  // kube-bench findings come from one benchmark per run, as in a real scan.
  const kbVariant = rules.find((e) => e.source === 'kube-bench')?.variant;
  const pool = rules.filter((e) => e.source !== 'kube-bench' || e.variant === kbVariant);
  const findings: Finding[] = [];
  const evidence: Evidence[] = [];
  for (let i = 0; i < n; i++) {
    const unmapped = r() < 0.1;
    const e = pool[Math.floor(r() * pool.length)]!;
    const source: SourceId = unmapped ? 'workloads' : e.source;
    const ruleId = unmapped ? `workloads.future-check-${i % 40}` : e.ruleId;
    const variant = unmapped ? undefined : e.variant;
    const x = r();
    const status: FindingStatus =
      x < 0.55 ? 'pass' : x < 0.9 ? 'fail' : x < 0.95 ? 'manual' : x < 0.98 ? 'info' : 'skipped';
    const resource =
      source === 'kube-bench'
        ? { kind: 'Node', name: `worker-${i % 60}`, node: `worker-${i % 60}` }
        : {
            kind: source === 'rbac' ? 'ClusterRole' : 'Pod',
            name: `obj-${i}`,
            namespace: `team-${i % 400}`,
            apiVersion: 'v1',
          };
    const id = stableId('f', source, ruleId, variant, resource.kind, resource.name, resource.namespace);
    const evId = stableId('e', source, `${resource.namespace ?? ''}/${resource.name}`);
    evidence.push({
      id: evId,
      source,
      kind: 'api-object',
      collectedAt: '2026-11-20T09:30:00.000Z',
      locator: { apiPath: `/api/v1/namespaces/${resource.namespace ?? ''}/pods/${resource.name}` },
      excerpt: {
        metadata: { name: resource.name },
        spec: { containers: [{ name: 'app', securityContext: { privileged: false } }] },
      },
    });
    findings.push({
      id,
      source,
      ruleId,
      ...(variant ? { ruleVariant: variant } : {}),
      title: `Check ${ruleId}`,
      status,
      nativeStatus: status,
      severity: SEVERITY_LIST[Math.floor(r() * SEVERITY_LIST.length)]!,
      resource,
      message: `${ruleId} on ${resource.kind} ${resource.name}: ${status}`,
      evidenceIds: [evId],
    });
  }
  const sources = [...new Set(findings.map((f) => f.source))].sort();
  return { findings, evidence, sources };
}

/** The irreducible cost: touch every finding once and group it by rule key. */
export function groupByRule(findings: Finding[]): Map<string, Finding[]> {
  const m = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = ruleKey(f.source, f.ruleVariant, f.ruleId);
    const l = m.get(k);
    if (l) l.push(f);
    else m.set(k, [f]);
  }
  return m;
}

/** Loads mappings/ in a fresh Node process; returns the milliseconds of the load (import included). */
function coldLoadMs(): number {
  const loader = path.resolve(path.dirname(SELF), '../src/mapping/load.ts');
  const script =
    `const t0 = performance.now(); const { loadMappings } = await import(${JSON.stringify(loader)}); ` +
    `await loadMappings(); process.stdout.write(String(performance.now() - t0));`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`cold mappings load failed: ${res.stderr.slice(-1000)}`);
  return Number(res.stdout.trim());
}

export async function benchPipeline(
  opts: { findings?: number; repeat?: number } = {},
): Promise<PipelineResult> {
  const n = opts.findings ?? 20_000;
  const repeat = opts.repeat ?? 5;
  const colds = [coldLoadMs(), coldLoadMs(), coldLoadMs()].sort((a, b) => a - b);
  const w0 = performance.now();
  const bundle = await loadMappings();
  const warm = performance.now() - w0;
  const { findings, evidence, sources } = syntheticFindings(bundle, n);
  const frameworks = bundle.frameworks.map((f) => f.id);
  const runs: RunRecord[] = sources.map((s) => ({
    source: s,
    status: 'ok',
    startedAt: '2026-11-20T09:29:00.000Z',
    durationMs: 1000,
    findingCount: findings.filter((f) => f.source === s).length,
    inputs: [],
    notes: [],
  }));
  let bestAssess = Infinity;
  let bestBuild = Infinity;
  let bestTotal = Infinity;
  let bestBase = Infinity;
  let groups = 0;
  let controls = 0;
  for (let i = 0; i < repeat; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    let t0 = performance.now();
    groups = groupByRule(findings).size;
    bestBase = Math.min(bestBase, performance.now() - t0);
    t0 = performance.now();
    const assessment = assess(findings, bundle, { frameworks, runs });
    const t1 = performance.now();
    const model = buildReport({
      generatedAt: new Date('2026-11-20T09:30:00.000Z'),
      toolVersion: 'bench',
      cluster: { name: 'bench', nameSource: 'flag' },
      sources,
      period: {},
      runs,
      assessment,
      evidence,
      mappings: bundle,
    });
    const t2 = performance.now();
    bestAssess = Math.min(bestAssess, t1 - t0);
    bestBuild = Math.min(bestBuild, t2 - t1);
    bestTotal = Math.min(bestTotal, t2 - t0);
    controls = model.frameworks.reduce((s, f) => s + f.controls.length, 0);
    if (model.findings.length !== n)
      throw new Error(`pipeline bench: report has ${model.findings.length} findings, expected ${n}`);
  }
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    findings: n,
    evidence: evidence.length,
    mappedRules: groups,
    frameworks: frameworks.length,
    controls,
    assessMs: round(bestAssess),
    buildMs: round(bestBuild),
    totalMs: round(bestTotal),
    baselineMs: round(bestBase),
    ratio: Math.round(bestTotal / bestBase),
    mappingsColdMs: Math.round(colds[1]!),
    mappingsWarmMs: Math.round(warm),
    repeat,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const [findings, repeat] = process.argv.slice(2).map(Number);
  console.log(
    JSON.stringify(
      await benchPipeline({ ...(findings ? { findings } : {}), ...(repeat ? { repeat } : {}) }),
      null,
      2,
    ),
  );
}
