/**
 * `kubeproof schedule`: runs `kubeproof scan` on a cron schedule outside Kubernetes (inside it, the
 * CronJob in deploy/ does this). Never two runs at once; SIGTERM or SIGINT stops the schedule, lets a
 * run in progress finish within the grace period, then aborts it cleanly (its scanner Jobs are deleted,
 * the report is still written), and exits 0. A second signal exits at once.
 */
import { loadConfig } from '../config/load.ts';
import { CONFIG_ENV } from '../config/options.ts';
import { exitCodeFor, KubeproofError, UsageError } from '../errors.ts';
import { nodeCronEngine } from '../schedule/engine.ts';
import type { CronEngine } from '../schedule/engine.ts';
import { startScheduler } from '../schedule/scheduler.ts';
import type { ScanRun } from '../schedule/scheduler.ts';
import { createLogger } from '../util/log.ts';
import type { Logger } from '../util/log.ts';
import { redactText } from '../util/redact.ts';
import { flagsToConfig } from './program.ts';
import { scanCommand } from './scan.ts';

export const DEFAULT_GRACE_SECONDS = 25;

type Signal = 'SIGTERM' | 'SIGINT';

export interface ScheduleDeps {
  engine?: CronEngine;
  /** One scan (default: `kubeproof scan` with the same options, in this process). */
  run?: ScanRun;
  /** Where SIGTERM/SIGINT come from (default: process). */
  signals?: { on(ev: Signal, fn: () => void): unknown; off(ev: Signal, fn: () => void): unknown };
  /** Immediate exit on a second signal (default: process.exit). */
  exit?: (code: number) => void;
  log?: Logger;
  now?: () => Date;
}

export async function scheduleCommand(
  opts: Record<string, unknown>,
  deps: ScheduleDeps = {},
): Promise<number> {
  const file = (opts['config'] as string | undefined) ?? process.env[CONFIG_ENV];
  const cfg = await loadConfig({ ...(file ? { file } : {}), env: process.env, flags: flagsToConfig(opts) });
  if (!cfg.schedule.cron) {
    throw new UsageError(
      'schedule: --cron is required',
      'e.g. kubeproof schedule --cron "0 2 * * *" --timezone Europe/Berlin --no-cluster ...',
    );
  }
  const graceSeconds =
    opts['gracePeriod'] === undefined ? DEFAULT_GRACE_SECONDS : Number(opts['gracePeriod']);
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) {
    throw new UsageError(
      `--grace-period: expected a number of seconds, got "${String(opts['gracePeriod'])}"`,
    );
  }
  const log = deps.log ?? createLogger({ level: cfg.log.level, format: cfg.log.format });
  const run: ScanRun =
    deps.run ??
    (async (signal) => {
      try {
        return await scanCommand(opts, { signal });
      } catch (err) {
        // a bad run (config file edited into something invalid, mappings unreadable) must not end the schedule
        const msg =
          err instanceof KubeproofError
            ? err.message
            : `internal error: ${(err as Error)?.message ?? String(err)}`;
        log.error(
          redactText(msg),
          err instanceof KubeproofError && err.hint ? { hint: redactText(err.hint) } : undefined,
        );
        return exitCodeFor(err);
      }
    });
  const scheduler = startScheduler({
    cron: cfg.schedule.cron,
    ...(cfg.schedule.timezone ? { timezone: cfg.schedule.timezone } : {}),
    run,
    engine: deps.engine ?? nodeCronEngine(log),
    log,
    now: deps.now ?? (() => new Date()),
  });
  const signals = deps.signals ?? process;
  const exit = deps.exit ?? ((code: number) => process.exit(code));
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (sig: Signal) => (): void => {
      if (stopping) {
        log.warn(`${sig} again: exiting now`);
        exit(sig === 'SIGINT' ? 130 : 143);
        return;
      }
      stopping = true;
      log.info(`${sig} received: stopping the schedule`);
      void scheduler.stop(graceSeconds * 1000).then(({ aborted }) => {
        signals.off('SIGTERM', onTerm);
        signals.off('SIGINT', onInt);
        log.info(`schedule stopped${aborted ? ' (the run in progress was aborted)' : ''}`, {
          runs: scheduler.runs.length,
        });
        resolve(0);
      });
    };
    const onTerm = onSignal('SIGTERM');
    const onInt = onSignal('SIGINT');
    signals.on('SIGTERM', onTerm);
    signals.on('SIGINT', onInt);
  });
}
