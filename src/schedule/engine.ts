/**
 * The cron engine behind `kubeproof schedule`, behind an interface so the scheduler can be tested with a
 * fake engine and a fake clock. The real one is node-cron (timezones, 5- or 6-field expressions).
 */
import { schedule as cronSchedule, validateDetailed } from 'node-cron';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../util/log.ts';

export interface CronTaskHandle {
  /** The next time the task fires; null once stopped. */
  nextRun(): Date | null;
  stop(): void;
}

export interface CronEngine {
  /** Throws ConfigError naming the field when the expression or time zone is invalid. */
  check(expr: string, timezone: string | undefined): void;
  /** Calls `fire` at each tick until stopped. The engine must not start a tick while `fire` is pending. */
  start(expr: string, timezone: string | undefined, fire: () => Promise<void>): CronTaskHandle;
}

/** Throws ConfigError unless `tz` is an IANA time zone this runtime knows. */
export function checkTimezone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new ConfigError(
      `--timezone: unknown time zone "${tz}"`,
      'use an IANA name such as Europe/Berlin or UTC',
    );
  }
}

/** node-cron with noOverlap (a tick while a run is in progress is skipped, not queued) and our logger. */
export function nodeCronEngine(log: Logger): CronEngine {
  return {
    check(expr, timezone) {
      const v = validateDetailed(expr);
      if (!v.valid) {
        const why = v.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
        throw new ConfigError(
          `--cron: invalid cron expression "${expr}" (${why})`,
          'five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *"',
        );
      }
      if (timezone) checkTimezone(timezone);
    },
    start(expr, timezone, fire) {
      const task = cronSchedule(expr, () => fire(), {
        ...(timezone ? { timezone } : {}),
        name: 'kubeproof-scan',
        noOverlap: true,
        logger: {
          info: (m) => log.debug(`node-cron: ${m}`),
          warn: (m) => log.warn(`node-cron: ${m}`),
          error: (m) => log.error(`node-cron: ${m instanceof Error ? m.message : m}`),
          debug: (m) => log.debug(`node-cron: ${m instanceof Error ? m.message : m}`),
        },
      });
      let stopped = false;
      return {
        nextRun: () => (stopped ? null : task.getNextRun()),
        stop: () => {
          stopped = true;
          void task.stop();
        },
      };
    },
  };
}
