import { unknownFrameworksError } from './config/frameworks.ts';
import type { Config } from './config/schema.ts';
import { InputError, KubeproofError, SourceError } from './errors.ts';
import { assess } from './mapping/assess.ts';
import type { MappingBundle } from './mapping/types.ts';
import type {
  Artifact,
  BundleRef,
  ClusterInfo,
  Evidence,
  Finding,
  Receipt,
  ReportModel,
  RunRecord,
  SourceId,
} from './model/types.ts';
import { buildReport } from './report/build.ts';
import { toDeliveries } from './deliver/index.ts';
import { governance, loadGovernance } from './mapping/waivers.ts';
import type { Source, SourceContext, SourceOutput } from './sources/types.ts';
import type { Logger } from './util/log.ts';

/** I/O dependencies of a run, injected so the orchestrator is testable and deterministic. */
export interface RunDeps {
  now: () => Date;
  log: Logger;
  toolVersion: string;
  mappings: MappingBundle;
  /** Enabled sources, in collection order. */
  sources: Source<unknown>[];
  /** Cluster identity known before collection (kubeconfig context, in-cluster). */
  clusterHint?: { name?: string; serverVersion?: string; source: ClusterInfo['nameSource'] };
  /** Renders the requested formats; errors of one format must not lose the others (see RenderResult). */
  render: (model: ReportModel, cfg: Config) => Promise<RenderResult>;
  /** Writes artifacts to the local output directory. Always called before delivery. */
  writeLocal: (dir: string, artifacts: Artifact[]) => Promise<Receipt>;
  /** Delivers to email / S3; never throws for a delivery failure (ok:false receipts). */
  deliver?: (artifacts: Artifact[], model: ReportModel, cfg: Config) => Promise<Receipt[]>;
  signal?: AbortSignal;
  /**
   * Cross-source analysis after collection (audit-log × rbac: unused and exercised grants), given the
   * raw data of every source that ran; its findings join the named source's.
   */
  correlate?: (
    raws: ReadonlyMap<SourceId, unknown>,
    ctx: SourceContext,
  ) =>
    | {
        source: SourceId;
        /** The sources whose raw data the correlation read (its derived evidence names their inputs). */
        from: SourceId[];
        findings: Finding[];
        evidence: Evidence[];
      }
    | undefined;
  /** Waiver/attestation folders loaded besides the configured ones (the mappings folder's waivers/). */
  defaultGovernancePaths?: string[];
  /**
   * Adds `diff` and `history` to the model before rendering (src/history/). Never throws; an error-level
   * problem (an explicit --previous that cannot be read) makes the run partial (exit 3).
   */
  history?: (model: ReportModel, cfg: Config) => Promise<{ model: ReportModel; problems: Problem[] }>;
  /**
   * Seals the rendered artifacts (src/bundle/): returns manifest.json (+ manifest.sig), written and delivered
   * with them, and the citation handed to deliverers. An error-level problem means the signing key could not
   * be used (exit 2); the manifest is then written unsigned.
   */
  seal?: (
    model: ReportModel,
    artifacts: Artifact[],
    cfg: Config,
  ) => Promise<{ artifacts: Artifact[]; bundle: BundleRef; problems: Problem[] }>;
  /** Called once the local copy is written (src/history/: the run's compact summary). */
  afterWrite?: (model: ReportModel, cfg: Config) => Promise<void>;
}

export interface Problem {
  severity: 'error' | 'warning';
  message: string;
  hint?: string;
}

export interface RenderResult {
  artifacts: Artifact[];
  errors: KubeproofError[];
}

export interface RunResult {
  model: ReportModel;
  artifacts: Artifact[];
  receipts: Receipt[];
  exitCode: number;
  /** Problems worth a line on stderr each (bad input, failed source, failed render or delivery). */
  problems: Problem[];
  /** The evidence bundle's citation, when the run was sealed. */
  bundle?: BundleRef;
}

/**
 * One run: collect from every enabled source, assess, build the model, render, write locally, deliver.
 * A failing source, format or delivery never stops the run: what could be produced is written, the
 * problem is recorded, and the exit code says so (2 bad input, 3 partial, 4 gate, 1 internal).
 */
export async function runScan(cfg: Config, deps: RunDeps): Promise<RunResult> {
  const { log } = deps;
  const problems: RunResult['problems'] = [];
  let worst = 0;
  const escalate = (code: number): void => {
    // precedence: internal (1) > bad input (2) > partial (3) > gate (4)
    if (worst === 0 || code < worst) worst = code;
  };

  const ctx: SourceContext = {
    now: deps.now,
    log,
    mappings: deps.mappings,
    ...(cfg.period.since || cfg.period.until
      ? {
          period: {
            ...(cfg.period.since ? { from: new Date(cfg.period.since) } : {}),
            ...(cfg.period.until ? { to: new Date(cfg.period.until) } : {}),
          },
        }
      : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  };

  // A usage error: checked before anything is collected (exit 2, not an internal error after the scan).
  const known = deps.mappings.frameworks.map((f) => f.id);
  const frameworks = cfg.frameworks ?? known;
  const unknownFrameworks = unknownFrameworksError(frameworks, known);
  if (unknownFrameworks) throw unknownFrameworks;

  const runs: RunRecord[] = [];
  const findings: Finding[] = [];
  const evidence: Evidence[] = [];
  const clusterFromInputs: NonNullable<SourceOutput['cluster']>[] = [];
  const raws = new Map<SourceId, unknown>();

  for (const source of deps.sources) {
    const started = deps.now();
    const t0 = performance.now();
    log.info(`collecting ${source.id}`);
    try {
      const raw = await source.read(ctx);
      const out = source.normalize(raw, ctx);
      traceDerived(out);
      // Only the correlation step reads the raw data again: hold it only when there is one.
      if (deps.correlate) raws.set(source.id, raw);
      findings.push(...out.findings);
      evidence.push(...out.evidence);
      if (out.cluster) clusterFromInputs.push(out.cluster);
      const rec: RunRecord = {
        source: source.id,
        status: out.skipped ? 'skipped' : out.partialError ? 'partial' : 'ok',
        startedAt: started.toISOString(),
        durationMs: Math.round(performance.now() - t0),
        findingCount: out.findings.length,
        inputs: out.inputs,
        notes: out.notes,
        ...(out.toolVersion ? { toolVersion: out.toolVersion } : {}),
        ...(out.stats ? { stats: out.stats } : {}),
        ...(out.partialError ? { error: out.partialError } : {}),
        ...(out.skipped ? { error: { code: 'skipped', message: out.skipped } } : {}),
      };
      runs.push(rec);
      if (out.partialError) {
        problems.push({
          severity: 'error',
          message: `${source.id}: ${out.partialError.message}`,
          ...hint(out.partialError.hint),
        });
        escalate(out.partialError.code === 'input' ? 2 : 3);
      }
      log.info(`${source.id}: ${out.findings.length} findings`, { durationMs: rec.durationMs });
    } catch (err) {
      const e = describe(err);
      runs.push({
        source: source.id,
        status: 'failed',
        error: e,
        startedAt: started.toISOString(),
        durationMs: Math.round(performance.now() - t0),
        findingCount: 0,
        inputs: [],
        notes: [],
      });
      problems.push({ severity: 'error', message: `${source.id}: ${e.message}`, ...hint(e.hint) });
      if (err instanceof InputError) escalate(2);
      else if (err instanceof KubeproofError) escalate(3);
      else {
        escalate(1);
        log.debug(`${source.id} crashed`, { stack: (err as Error).stack });
      }
    }
  }

  if (deps.correlate) {
    const extra = deps.correlate(raws, ctx);
    const rec = extra && runs.find((r) => r.source === extra.source);
    if (extra && rec) {
      // A correlation is derived from the sources whose data it read, and from nothing else.
      traceDerived({
        evidence: extra.evidence,
        inputs: runs.filter((r) => extra.from.includes(r.source)).flatMap((r) => r.inputs),
      });
      findings.push(...extra.findings);
      evidence.push(...extra.evidence);
      rec.findingCount += extra.findings.length;
      rec.notes.push(`${extra.findings.length} findings from correlating with the other sources of this run`);
    }
  }

  const cluster = resolveCluster(cfg, deps.clusterHint, clusterFromInputs);
  let gov: ReturnType<typeof governance> | undefined;
  const govPaths = [...cfg.waivers, ...cfg.attestations, ...(deps.defaultGovernancePaths ?? [])];
  if (govPaths.length > 0) {
    try {
      gov = governance(await loadGovernance(govPaths), deps.now(), cluster.name);
    } catch (err) {
      const e = describe(err);
      problems.push({
        severity: 'error',
        message: `${e.message} (no waiver or attestation was applied)`,
        ...hint(e.hint),
      });
      escalate(err instanceof KubeproofError ? 2 : 1);
    }
  }
  const assessment = assess(findings, deps.mappings, {
    frameworks,
    runs,
    notApplicable: cfg.notApplicable,
    ...(gov ? { waiverFor: gov.waiverFor, attestationFor: gov.attestationFor } : {}),
  });
  let model = buildReport({
    generatedAt: deps.now(),
    toolVersion: deps.toolVersion,
    cluster,
    sources: deps.sources.map((s) => s.id),
    period: {
      ...(cfg.period.since ? { from: cfg.period.since } : {}),
      ...(cfg.period.until ? { to: cfg.period.until } : {}),
    },
    notApplicable: cfg.notApplicable,
    runs,
    assessment,
    evidence,
    mappings: deps.mappings,
    ...(gov ? { governance: gov.entries() } : {}),
  });

  if (deps.history) {
    const h = await deps.history(model, cfg);
    model = h.model;
    for (const p of h.problems) {
      problems.push(p);
      if (p.severity === 'error') escalate(3);
    }
  }

  const rendered = await deps.render(model, cfg);
  for (const e of rendered.errors) {
    problems.push({ severity: 'error', message: e.message, ...hint(e.hint) });
    escalate(e.code === 'chromium-missing' || e.code === 'config' ? 2 : 3);
  }
  let artifacts = rendered.artifacts;
  let bundle: BundleRef | undefined;
  if (deps.seal) {
    const sealed = await deps.seal(model, artifacts, cfg);
    artifacts = [...artifacts, ...sealed.artifacts];
    bundle = sealed.bundle;
    for (const p of sealed.problems) {
      problems.push(p);
      if (p.severity === 'error') escalate(2);
    }
  }
  const local = await deps.writeLocal(cfg.out, artifacts);
  const receipts: Receipt[] = [local];
  if (!local.ok) {
    problems.push({ severity: 'error', message: `writing ${cfg.out}: ${local.error ?? 'failed'}` });
    escalate(3);
  } else if (deps.afterWrite) {
    await deps.afterWrite(model, cfg);
  }
  if (deps.deliver) {
    // the bundle citation rides on the in-memory model only: report.json cannot contain its own manifest's hash
    const remote = await deps.deliver(artifacts, bundle ? { ...model, bundle } : model, cfg);
    for (const r of remote) {
      receipts.push(r);
      if (!r.ok) {
        problems.push({
          severity: 'error',
          message: `delivery to ${r.target} failed: ${r.error ?? 'unknown error'}`,
        });
        escalate(3);
      }
    }
    if (remote.length > 0) {
      // report.json is immutable once written (its hash is cited); receipts go beside it
      const at = deps.now().toISOString();
      const body =
        JSON.stringify({ reportId: model.reportId, deliveries: toDeliveries(receipts, at) }, null, 2) + '\n';
      await deps.writeLocal(cfg.out, [{ filename: 'deliveries.json', mediaType: 'application/json', body }]);
    }
  }

  if (cfg.failOn !== 'none') {
    const trip = model.frameworks.some((f) =>
      f.controls.some(
        (c) => c.status === 'fail' || (cfg.failOn === 'incomplete' && c.status === 'incomplete'),
      ),
    );
    if (trip) {
      problems.push({
        severity: 'warning',
        message: `--fail-on ${cfg.failOn}: at least one control is ${cfg.failOn === 'fail' ? 'failing' : 'failing or incomplete'}`,
      });
      escalate(4);
    }
  }
  return { model, artifacts, receipts, exitCode: worst, problems, ...(bundle ? { bundle } : {}) };
}

function hint(h: string | undefined): { hint?: string } {
  return h ? { hint: h } : {};
}

function describe(err: unknown): { code: string; message: string; hint?: string } {
  if (err instanceof KubeproofError) return { code: err.code, message: err.message, ...hint(err.hint) };
  if (err instanceof SourceError) return { code: err.code, message: err.message };
  return { code: 'internal', message: `internal error: ${(err as Error)?.message ?? String(err)}` };
}

/** Cluster name: flag/config, else kubeconfig context, else what an input says, else a placeholder. */
export function resolveCluster(
  cfg: Config,
  hint: RunDeps['clusterHint'],
  fromInputs: NonNullable<SourceOutput['cluster']>[],
): ClusterInfo {
  const serverVersion = hint?.serverVersion ?? fromInputs.find((c) => c.serverVersion)?.serverVersion;
  const nodes = new Set(fromInputs.flatMap((c) => c.nodes ?? []));
  const platform = fromInputs.find((c) => c.platform)?.platform;
  const extra = {
    ...(serverVersion ? { serverVersion } : {}),
    ...(nodes.size > 0 ? { nodeCount: nodes.size } : {}),
    ...(platform ? { platform } : {}),
  };
  if (cfg.clusterName) return { name: cfg.clusterName, nameSource: 'flag', ...extra };
  if (hint?.name) return { name: hint.name, nameSource: hint.source, ...extra };
  const named = fromInputs.find((c) => c.name);
  if (named?.name) return { name: named.name, nameSource: 'input', ...extra };
  return { name: 'unnamed-cluster', nameSource: 'default', ...extra };
}

export type { SourceId };

/**
 * Derived evidence (a view over many objects or events) has no single place to point at: its locator also
 * names the inputs of this run it was computed from, so every piece of evidence leads back to what was read.
 * Evidence ids are already fixed by then (they do not depend on this list).
 */
export function traceDerived(out: Pick<SourceOutput, 'evidence' | 'inputs'>): void {
  const inputs = [...new Set(out.inputs.map((i) => i.path))];
  if (inputs.length === 0) return;
  for (const e of out.evidence) {
    if (e.kind === 'derived' && e.locator.inputs === undefined) e.locator = { ...e.locator, inputs };
  }
}
