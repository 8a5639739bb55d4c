/**
 * History across runs: finds the previous report (`--previous FILE | DIR | s3://... | auto | none`),
 * attaches `diff` (changes since it) and `history` (the trend of the last N runs) to a new report, and
 * keeps compact local summaries in `<out>/history/<reportId>.json`. I/O at the edges; runDiff,
 * nextHistory and trendSvg are pure.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { s3Layout } from '../deliver/s3.ts';
import { writeLocal } from '../deliver/file.ts';
import { KubeproofError } from '../errors.ts';
import { historyEntrySchema } from '../model/schema.ts';
import type { Config } from '../config/schema.ts';
import type { HistoryEntry, Receipt, ReportModel } from '../model/types.ts';
import type { Logger } from '../util/log.ts';
import { runDiff } from './diff.ts';
import { readLocalReport, readS3Report, type LocatedReport } from './read.ts';
import { openS3, type ObjectStore, type S3Access } from './s3.ts';
import { nextHistory, summarize } from './trend.ts';
import { jsonErrorMessage } from '../util/json-error.ts';

export { runDiff } from './diff.ts';
export { DEFAULT_HISTORY, nextHistory, summarize } from './trend.ts';
export { trendSvg, trendCharts, escapeXml, DEFAULT_TREND_STATUSES, type TrendSvgOptions } from './svg.ts';
export { parseReport, parsePointer, readLocalReport, readS3Report, type LocatedReport } from './read.ts';
export { openS3, type ObjectStore, type S3Access } from './s3.ts';

/** Folder under the output directory holding one compact summary per run. */
export const HISTORY_DIR = 'history';

export interface HistoryOptions {
  /** `auto` (default), `none`, a report.json file, a directory holding one, or an s3:// URL. */
  previous: string;
  /** Runs kept in `history`; 0 disables the trend. */
  keep: number;
  /** Local output directory (auto: its report.json and history/ summaries). */
  out: string;
  /** The S3 delivery URL (auto: its `{prefix}/{cluster}/latest.json`). */
  s3Url?: string | undefined;
  s3?: S3Access;
  env?: Readonly<Record<string, string | undefined>>;
  log: Logger;
  /** Opens the S3 client; default openS3 (tests may count calls). */
  openStore?: (access: S3Access, env?: Readonly<Record<string, string | undefined>>) => Promise<ObjectStore>;
}

export interface HistoryProblem {
  severity: 'error' | 'warning';
  message: string;
  hint?: string;
}

export interface HistoryOutcome {
  model: ReportModel;
  /** The previous report used for the diff, if any. */
  previous?: LocatedReport;
  problems: HistoryProblem[];
}

/**
 * Returns `model` with `diff` and `history` attached. Never throws: an explicitly named previous report
 * that cannot be read is an error-level problem (the report is still produced, without a diff); in auto
 * mode anything missing is a log line, and a report of another cluster is ignored.
 */
export async function attachHistory(model: ReportModel, opts: HistoryOptions): Promise<HistoryOutcome> {
  const problems: HistoryProblem[] = [];
  let previous: LocatedReport | undefined;
  const spec = opts.previous.trim();
  let store: ObjectStore | undefined;
  const getStore = async (): Promise<ObjectStore> =>
    (store ??= await (opts.openStore ?? openS3)(opts.s3 ?? {}, opts.env ?? process.env));
  try {
    if (spec === 'auto') {
      previous = await findAuto(model, opts, getStore);
    } else if (spec !== 'none' && spec !== '') {
      try {
        previous = spec.startsWith('s3://')
          ? await readS3Report(spec, await getStore())
          : await readLocalReport(spec);
        if (!previous) {
          problems.push({
            severity: 'error',
            message: `--previous ${spec}: no report found there; this report has no "changes since" section`,
            hint: 'name a report.json, a directory holding one, an s3:// run folder or cluster folder, or use --previous auto',
          });
        } else if (previous.report.cluster.name !== model.cluster.name) {
          problems.push({
            severity: 'warning',
            message: `--previous ${spec}: it is a report of cluster "${previous.report.cluster.name}", not "${model.cluster.name}"; compared anyway as asked`,
          });
        }
      } catch (err) {
        problems.push({
          severity: 'error',
          message: `--previous ${spec}: ${messageOf(err)}`,
          ...hintOf(err),
        });
      }
    }
    if (previous && !(previous.report.generatedAt < model.generatedAt)) {
      problems.push({
        severity: 'warning',
        message: `previous report ${previous.location} (${previous.report.generatedAt}) is not older than this run; no diff`,
      });
      previous = undefined;
    }
    const known: HistoryEntry[] = [];
    if (previous) known.push(...(previous.report.history ?? []), summarize(previous.report));
    if (opts.keep > 0) known.push(...(await readLocalHistory(opts.out, opts.log)));
    const history = nextHistory(model, known, opts.keep);
    const out: ReportModel = { ...model };
    if (previous) out.diff = runDiff(previous.report, model, previous.location);
    if (history) out.history = history;
    if (previous)
      opts.log.info(`compared with the previous report ${previous.report.reportId}`, {
        from: previous.location,
      });
    return { model: out, ...(previous ? { previous } : {}), problems };
  } finally {
    store?.close();
  }
}

/** auto: S3 latest.json of this cluster when S3 delivery is configured, else `<out>/report.json`. */
async function findAuto(
  model: ReportModel,
  opts: HistoryOptions,
  getStore: () => Promise<ObjectStore>,
): Promise<LocatedReport | undefined> {
  if (opts.s3Url) {
    const { bucket, latestKey } = s3Layout(opts.s3Url, model);
    try {
      const found = await readS3Report(`s3://${bucket}/${latestKey}`, await getStore());
      if (found && found.report.cluster.name === model.cluster.name) return found;
      opts.log.info(
        found
          ? `s3://${bucket}/${latestKey} is of another cluster; ignored`
          : `no previous run at s3://${bucket}/${latestKey}`,
      );
    } catch (err) {
      opts.log.warn('cannot read the previous run from S3; trying the local output directory', {
        error: messageOf(err),
      });
    }
  }
  try {
    const local = await readLocalReport(opts.out);
    if (local && local.report.cluster.name === model.cluster.name) return local;
    opts.log.info(
      local
        ? `${local.location} is a report of another cluster; not compared`
        : `no previous report in ${opts.out}`,
    );
  } catch (err) {
    opts.log.warn('the previous report in the output directory is unreadable; not compared', {
      error: messageOf(err),
    });
  }
  return undefined;
}

/** The summaries in `<out>/history/`; unreadable ones are skipped with a warning. */
export async function readLocalHistory(out: string, log: Logger): Promise<HistoryEntry[]> {
  const dir = path.join(out, HISTORY_DIR);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  } catch {
    return [];
  }
  const entries: HistoryEntry[] = [];
  for (const n of names) {
    try {
      const parsed = historyEntrySchema.safeParse(JSON.parse(await readFile(path.join(dir, n), 'utf8')));
      if (parsed.success) entries.push(parsed.data);
      else log.warn(`skipping ${path.join(dir, n)}: not a history summary`);
    } catch (err) {
      log.warn(`skipping ${path.join(dir, n)}: ${messageOf(err)}`);
    }
  }
  return entries;
}

/** Writes `<out>/history/<reportId>.json`, the compact summary of this run. Never throws. */
export async function recordHistory(out: string, model: ReportModel): Promise<Receipt> {
  const dir = path.join(out, HISTORY_DIR);
  await mkdir(dir, { recursive: true }).catch(() => undefined);
  const body = JSON.stringify(summarize(model), null, 2) + '\n';
  return writeLocal(dir, [{ filename: `${model.reportId}.json`, mediaType: 'application/json', body }]);
}

function messageOf(err: unknown): string {
  return jsonErrorMessage(err);
}

function hintOf(err: unknown): { hint?: string } {
  return err instanceof KubeproofError && err.hint ? { hint: err.hint } : {};
}

/** The run steps runScan takes (RunDeps.history and RunDeps.afterWrite), from the configuration. */
export function historySteps(
  log: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): {
  history: (model: ReportModel, cfg: Config) => Promise<{ model: ReportModel; problems: HistoryProblem[] }>;
  afterWrite: (model: ReportModel, cfg: Config) => Promise<void>;
} {
  return {
    history: async (model, cfg) => {
      const s3 = cfg.deliver.s3;
      const { model: out, problems } = await attachHistory(model, {
        previous: cfg.history.previous,
        keep: cfg.history.keep,
        out: cfg.out,
        s3Url: s3?.url,
        s3: { endpoint: s3?.endpoint, region: s3?.region, pathStyle: s3?.pathStyle },
        env,
        log,
      });
      return { model: out, problems };
    },
    afterWrite: async (model, cfg) => {
      if (cfg.history.keep === 0) return;
      const r = await recordHistory(cfg.out, model);
      if (!r.ok) log.warn('could not keep the local history summary', { error: r.error });
    },
  };
}
