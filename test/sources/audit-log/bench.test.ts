import test from 'ava';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateLog, parseSize } from '../../../bench/audit-log.ts';
import { readAuditLogs } from '../../../src/sources/audit-log/read.ts';
import { DEFAULT_OPTIONS } from '../../../src/sources/audit-log/types.ts';

test('bench: sizes parse in decimal and binary units', (t) => {
  t.is(parseSize('200MB'), 200_000_000);
  t.is(parseSize('1GB'), 1_000_000_000);
  t.is(parseSize('512MiB'), 512 * 1024 * 1024);
  t.is(parseSize('1000'), 1000);
  t.throws(() => parseSize('lots'));
});

test('bench: the generated log is valid audit JSON lines that every path reads alike', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kp-bench-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'audit.log');
  const lines = await generateLog(file, 2_000_000);
  t.true((await stat(file)).size >= 2_000_000);
  for (const l of (await readFile(file, 'utf8')).trimEnd().split('\n').slice(0, 200))
    t.notThrows(() => {
      JSON.parse(l);
    });
  const fast = await readAuditLogs([file], DEFAULT_OPTIONS);
  const slow = await readAuditLogs([file], { ...DEFAULT_OPTIONS, slowPathOnly: true });
  t.is(fast.summary.stats.events, lines);
  t.is(fast.summary.stats.malformed, 0);
  t.true(fast.summary.stats.fastPath > lines * 0.9);
  const strip = (s: typeof fast.summary) => ({
    ...s,
    options: undefined,
    stats: { ...s.stats, fastPath: 0, slowPath: 0 },
  });
  t.deepEqual(strip(fast.summary), strip(slow.summary));
});
