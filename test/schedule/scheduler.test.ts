import test from 'ava';
import { EventEmitter } from 'node:events';
import { scheduleCommand } from '../../src/cli/schedule.ts';
import { ConfigError } from '../../src/errors.ts';
import type { CronEngine } from '../../src/schedule/engine.ts';
import { nodeCronEngine } from '../../src/schedule/engine.ts';
import { startScheduler } from '../../src/schedule/scheduler.ts';
import { memoryLogger } from '../../src/util/log.ts';

/** A fake clock and a cron engine driven by the test: tick() fires the task, as node-cron would. */
function fakes(start = '2026-11-01T00:00:00.000Z') {
  let t = new Date(start).getTime();
  const clock = { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
  let fire: (() => Promise<void>) | undefined;
  let stopped = false;
  const engine: CronEngine & { tick(): Promise<void>; started: () => boolean } = {
    check(expr) {
      if (expr === 'bad') throw new ConfigError('--cron: invalid cron expression "bad"');
    },
    start(_expr, _tz, f) {
      fire = f;
      return {
        // the next 02:00 after "now", enough for the log lines
        nextRun: () =>
          stopped ? null : new Date(Math.floor(t / 86_400_000) * 86_400_000 + 86_400_000 + 7_200_000),
        stop: () => void (stopped = true),
      };
    },
    tick: () => (stopped || !fire ? Promise.resolve() : fire()),
    started: () => fire !== undefined,
  };
  return { clock, engine };
}

/** A run the test finishes by hand; it also ends when its signal aborts. */
function controllableRun() {
  const calls: { signal: AbortSignal; finish: (code: number) => void }[] = [];
  const run = (signal: AbortSignal): Promise<number> =>
    new Promise<number>((resolve) => {
      calls.push({ signal, finish: resolve });
      signal.addEventListener('abort', () => resolve(3));
    });
  return { run, calls };
}

const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

test('each run is logged when it starts and ends, with exit code, duration and the next run time', async (t) => {
  const { clock, engine } = fakes();
  const log = memoryLogger();
  const r = controllableRun();
  const s = startScheduler({
    cron: '0 2 * * *',
    timezone: 'Europe/Berlin',
    run: r.run,
    engine,
    log,
    now: clock.now,
  });
  const first = engine.tick();
  t.true(s.busy());
  clock.advance(90_000);
  r.calls[0]!.finish(0);
  await first;
  t.false(s.busy());
  t.deepEqual(s.runs, [
    { run: 1, exitCode: 0, startedAt: '2026-11-01T00:00:00.000Z', durationMs: 90_000, aborted: false },
  ]);
  const lines = parsed(log.lines);
  t.is(lines[0]!['msg'], 'schedule "0 2 * * *" (Europe/Berlin) started');
  t.is(lines[0]!['nextRun'], '2026-11-02T02:00:00.000Z');
  const end = lines.find((l) => l['msg'] === 'scheduled run 1 finished')!;
  t.like(end, {
    run: 1,
    exitCode: 0,
    durationMs: 90_000,
    nextRun: '2026-11-02T02:00:00.000Z',
    level: 'info',
  });
});

test('never two runs at once: a tick during a run is skipped and logged', async (t) => {
  const { clock, engine } = fakes();
  const log = memoryLogger();
  const r = controllableRun();
  const s = startScheduler({ cron: '* * * * *', run: r.run, engine, log, now: clock.now });
  const first = engine.tick();
  await engine.tick();
  await engine.tick();
  t.is(r.calls.length, 1);
  t.is(parsed(log.lines).filter((l) => String(l['msg']).startsWith('scheduled run skipped')).length, 2);
  r.calls[0]!.finish(3);
  await first;
  const second = engine.tick();
  t.is(r.calls.length, 2);
  r.calls[1]!.finish(0);
  await second;
  t.deepEqual(
    s.runs.map((x) => [x.run, x.exitCode]),
    [
      [1, 3],
      [2, 0],
    ],
  );
  t.true(
    parsed(log.lines).some(
      (l) => l['msg'] === 'scheduled run 1 finished with exit code 3' && l['level'] === 'warn',
    ),
  );
});

test('stop while idle: resolves at once and no run starts afterwards', async (t) => {
  const { clock, engine } = fakes();
  const r = controllableRun();
  const s = startScheduler({ cron: '* * * * *', run: r.run, engine, log: memoryLogger(), now: clock.now });
  t.deepEqual(await s.stop(1000), { aborted: false });
  await engine.tick();
  t.is(r.calls.length, 0);
  t.is(s.nextRun(), null);
});

test('stop during a run: the run may finish within the grace period', async (t) => {
  const { clock, engine } = fakes();
  const r = controllableRun();
  const s = startScheduler({ cron: '* * * * *', run: r.run, engine, log: memoryLogger(), now: clock.now });
  const running = engine.tick();
  const stopping = s.stop(60_000);
  r.calls[0]!.finish(0);
  t.deepEqual(await stopping, { aborted: false });
  await running;
  t.false(r.calls[0]!.signal.aborted);
  t.is(s.runs[0]!.exitCode, 0);
});

test('stop during a run: after the grace period the run is aborted through its signal and awaited', async (t) => {
  const { clock, engine } = fakes();
  const log = memoryLogger();
  const r = controllableRun();
  const s = startScheduler({ cron: '* * * * *', run: r.run, engine, log, now: clock.now });
  void engine.tick();
  t.deepEqual(await s.stop(20), { aborted: true });
  t.true(r.calls[0]!.signal.aborted);
  t.like(s.runs[0], { run: 1, exitCode: 3, aborted: true });
  t.false(s.busy());
  const end = parsed(log.lines).find((l) => String(l['msg']).startsWith('scheduled run 1 finished'))!;
  t.is(end['nextRun'], null);
});

test('a crashing run is exit code 1 and the schedule goes on', async (t) => {
  const { clock, engine } = fakes();
  const log = memoryLogger();
  let n = 0;
  const s = startScheduler({
    cron: '* * * * *',
    run: () => (++n === 1 ? Promise.reject(new Error('boom')) : Promise.resolve(0)),
    engine,
    log,
    now: clock.now,
  });
  await engine.tick();
  await engine.tick();
  t.deepEqual(
    s.runs.map((x) => x.exitCode),
    [1, 0],
  );
  t.true(
    parsed(log.lines).some((l) => l['msg'] === 'scheduled run 1 crashed: boom' && l['level'] === 'error'),
  );
});

test('an invalid expression is refused before anything is scheduled', (t) => {
  const { clock, engine } = fakes();
  t.throws(
    () =>
      startScheduler({
        cron: 'bad',
        run: () => Promise.resolve(0),
        engine,
        log: memoryLogger(),
        now: clock.now,
      }),
    {
      instanceOf: ConfigError,
    },
  );
  t.false(engine.started());
});

test('scheduleCommand: SIGTERM stops cleanly with exit 0; a second signal exits at once', async (t) => {
  const { clock, engine } = fakes();
  const signals = new EventEmitter();
  const exits: number[] = [];
  const r = controllableRun();
  const log = memoryLogger();
  const done = scheduleCommand(
    { cron: '0 2 * * *', timezone: 'Europe/Berlin', gracePeriod: '30' },
    { engine, run: r.run, signals, exit: (c) => void exits.push(c), log, now: clock.now },
  );
  await new Promise((res) => setImmediate(res));
  t.true(engine.started());
  void engine.tick();
  signals.emit('SIGTERM');
  signals.emit('SIGTERM');
  t.deepEqual(exits, [143]);
  r.calls[0]!.finish(0);
  t.is(await done, 0);
  t.is(signals.listenerCount('SIGTERM'), 0);
  t.true(parsed(log.lines).some((l) => l['msg'] === 'SIGTERM received: stopping the schedule'));
});

test('scheduleCommand: --cron is required', async (t) => {
  await t.throwsAsync(
    scheduleCommand({}, { engine: fakes().engine, signals: new EventEmitter(), log: memoryLogger() }),
    {
      message: /--cron is required/,
    },
  );
});

test('node-cron engine: validates expressions and time zones, computes the next run in the time zone', (t) => {
  const engine = nodeCronEngine(memoryLogger());
  t.throws(() => engine.check('61 2 * * *', undefined), {
    instanceOf: ConfigError,
    message: /--cron: invalid cron expression "61 2 \* \* \*"/,
  });
  t.throws(() => engine.check('0 2 * * *', 'Mars/Olympus'), {
    instanceOf: ConfigError,
    message: /unknown time zone "Mars\/Olympus"/,
  });
  t.notThrows(() => engine.check('0 2 * * *', 'Europe/Berlin'));
  const task = engine.start('0 2 * * *', 'Europe/Berlin', () => Promise.resolve());
  const next = task.nextRun();
  task.stop();
  t.truthy(next);
  const berlin = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Berlin',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(next!);
  t.is(berlin, '02:00');
  t.true(next!.getTime() > Date.now());
  t.true(next!.getTime() - Date.now() <= 25 * 3_600_000);
  t.is(task.nextRun(), null);
});
