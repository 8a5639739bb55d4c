import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readAuditLogs } from '../../../src/sources/audit-log/read.ts';
import { DEFAULT_OPTIONS } from '../../../src/sources/audit-log/types.ts';
import { generateLine } from '../../../bench/audit-log.ts';

/** A log where every request has a RequestReceived event two lines before its ResponseComplete. */
function log(n: number): string {
  let x = 11;
  const r = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const finals = Array.from({ length: n }, (_, i) =>
    generateLine(r, Date.UTC(2026, 10, 1) + i * 100).replace(/"auditID":"[^"]+"/, `"auditID":"req-${i}"`),
  );
  const out: string[] = [];
  for (let i = 0; i < n + 2; i++) {
    if (i < n) out.push(finals[i]!.replace('"stage":"ResponseComplete"', '"stage":"RequestReceived"'));
    if (i >= 2) out.push(finals[i - 2]!);
    if (i % 500 === 7) out.push('{"truncated":');
  }
  return out.join('\n') + '\n';
}

test('worker threads give the same summary as a sequential read, line numbers included', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kp-audit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'audit.log');
  await writeFile(file, log(6000));
  const base = { ...DEFAULT_OPTIONS, parallelMinBytes: 1024, sampleCap: 50, burstThreshold: 3 };
  const seq = await readAuditLogs([file], { ...base, workers: 1 });
  for (const workers of [2, 3]) {
    const par = await readAuditLogs([file], { ...base, workers });
    const strip = (s: typeof seq.summary) => ({
      ...s,
      options: undefined,
      stats: { ...s.stats, fastPath: 0, slowPath: 0 },
    });
    t.deepEqual(strip(par.summary), strip(seq.summary), `workers=${workers}`);
    t.deepEqual(par.inputs, seq.inputs);
  }
  t.is(seq.summary.stats.requests, 6000);
  t.is(seq.summary.stats.events, 12000);
  t.is(seq.summary.stats.malformed, 12);
});
