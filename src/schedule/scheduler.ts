/**
 * Runs scans on a cron schedule outside Kubernetes (`kubeproof schedule`). Contract:
 * - never two runs at once: a tick that arrives while a run is in progress is skipped and logged;
 * - every run is logged when it starts and ends, with its exit code, duration and the next run time;
 * - stop() ends the schedule gracefully: no new run starts; a run in progress may finish within the
 *   grace period, after which it is aborted through its AbortSignal; stop() resolves once it has settled.
 */
import type { Logger } from '../util/log.ts';
import type { CronEngine, CronTaskHandle } from './engine.ts';

/** One scan. Resolves to its exit code; must honour `signal` (abort = clean up and return soon). */
export type ScanRun = (signal: AbortSignal, runNumber: number) => Promise<number>;

export interface SchedulerOptions {
  cron: string;
  timezone?: string;
  run: ScanRun;
  engine: CronEngine;
  log: Logger;
  now: () => Date;
  /** Called after each run (tests, metrics). */
  onRunEnd?: (r: RunSummary) => void;
}

export interface RunSummary {
  run: number;
  exitCode: number;
  startedAt: string;
  durationMs: number;
  aborted: boolean;
}

export interface Scheduler {
  /** Next scheduled run, or null when stopped. */
  nextRun(): Date | null;
  /** True while a run is in progress. */
  busy(): boolean;
  /** Stops scheduling; waits up to `graceMs` for a run in progress, then aborts it. Resolves when idle. */
  stop(graceMs: number): Promise<{ aborted: boolean }>;
  /** Runs completed so far. */
  readonly runs: RunSummary[];
}

export function startScheduler(opts: SchedulerOptions): Scheduler {
  const { log, now } = opts;
  opts.engine.check(opts.cron, opts.timezone);
  let current: { promise: Promise<void>; controller: AbortController } | undefined;
  let counter = 0;
  let stopping = false;
  const runs: RunSummary[] = [];
  // assigned right after `fire` is defined; node-cron never fires synchronously from start()
  let task: CronTaskHandle | undefined = undefined;

  const next = (): string | undefined => task?.nextRun()?.toISOString();

  const fire = async (): Promise<void> => {
    if (stopping) return;
    if (current) {
      log.warn('scheduled run skipped: the previous run is still in progress', { nextRun: next() });
      return;
    }
    const n = ++counter;
    const controller = new AbortController();
    const started = now();
    log.info(`scheduled run ${n} started`, { run: n });
    const promise = (async () => {
      let exitCode: number;
      try {
        exitCode = await opts.run(controller.signal, n);
      } catch (err) {
        exitCode = 1;
        log.error(`scheduled run ${n} crashed: ${(err as Error)?.message ?? String(err)}`, { run: n });
      }
      const summary: RunSummary = {
        run: n,
        exitCode,
        startedAt: started.toISOString(),
        durationMs: Math.max(0, now().getTime() - started.getTime()),
        aborted: controller.signal.aborted,
      };
      runs.push(summary);
      const fields = {
        run: n,
        exitCode,
        durationMs: summary.durationMs,
        aborted: summary.aborted,
        nextRun: stopping ? null : next(),
      };
      if (exitCode === 0) log.info(`scheduled run ${n} finished`, fields);
      else log.warn(`scheduled run ${n} finished with exit code ${exitCode}`, fields);
      opts.onRunEnd?.(summary);
    })();
    current = { promise, controller };
    try {
      await promise;
    } finally {
      current = undefined;
    }
  };

  task = opts.engine.start(opts.cron, opts.timezone, fire);
  log.info(`schedule "${opts.cron}"${opts.timezone ? ` (${opts.timezone})` : ''} started`, {
    nextRun: next(),
  });

  return {
    nextRun: () => (stopping ? null : (task?.nextRun() ?? null)),
    busy: () => current !== undefined,
    runs,
    async stop(graceMs) {
      stopping = true;
      task?.stop();
      const inFlight = current;
      if (!inFlight) {
        log.info('schedule stopped; no run was in progress');
        return { aborted: false };
      }
      log.info(
        `schedule stopping: waiting up to ${Math.round(graceMs / 1000)} s for run ${counter} to finish`,
      );
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        inFlight.promise.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (finished) return { aborted: false };
      log.warn(`run ${counter} did not finish within the grace period: aborting it`);
      inFlight.controller.abort(new Error('kubeproof schedule is shutting down'));
      await inFlight.promise;
      return { aborted: true };
    },
  };
}
