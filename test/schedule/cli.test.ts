/** `kubeproof schedule` end to end: a real process, node-cron firing every second, SIGTERM. */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, ROOT } from '../support/cli.ts';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'jobs', 'kube-bench-node.json');

test('runs on schedule, logs each run with the next run time, stops cleanly on SIGTERM (exit 0)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeproof-schedule-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('KUBEPROOF_') && k !== 'NODE_OPTIONS') env[k] = v;
  const child = spawn(
    BIN,
    [
      'schedule',
      '--cron',
      '* * * * * *',
      '--timezone',
      'UTC',
      '--no-cluster',
      '--kube-bench',
      `worker-1=${FIXTURE}`,
      '--format',
      'json',
      '--out',
      path.join(dir, 'out'),
      '--log-format',
      'json',
      '--metrics-file',
      path.join(dir, 'kubeproof.prom'),
    ],
    { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let stderr = '';
  const finished = new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('"msg":"scheduled run 1 finished"')) resolve();
    });
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await Promise.race([finished, exited]);
  child.kill('SIGTERM');
  t.is(await exited, 0, stderr);
  const lines = stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const end = lines.find((l) => l['msg'] === 'scheduled run 1 finished')!;
  t.is(end['exitCode'], 0);
  t.true(typeof end['durationMs'] === 'number');
  t.true(
    end['nextRun'] === null ||
      (typeof end['nextRun'] === 'string' && !Number.isNaN(Date.parse(end['nextRun']))),
  );
  t.true(lines.some((l) => l['msg'] === 'SIGTERM received: stopping the schedule'));
  t.true(lines.some((l) => String(l['msg']).startsWith('schedule stopped')));
  t.true(existsSync(path.join(dir, 'out', 'report.json')));
  t.regex(
    readFileSync(path.join(dir, 'kubeproof.prom'), 'utf8'),
    /kubeproof_last_success_timestamp_seconds\{cluster="[^"]+"\} \d+/,
  );
});
