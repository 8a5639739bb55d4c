import test from 'ava';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readAuditLogs, expandPaths } from '../../../src/sources/audit-log/read.ts';
import { DEFAULT_OPTIONS, type AuditOptions } from '../../../src/sources/audit-log/types.ts';
import type { AuditSummary } from '../../../src/sources/audit-log/aggregate.ts';
import { fx } from './helpers.ts';

const opts = (o: Partial<AuditOptions> = {}): AuditOptions => ({ ...DEFAULT_OPTIONS, ...o });

async function tmp(t: { teardown: (f: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kp-audit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The summary without the fields that say which path read each line. */
function comparable(s: AuditSummary): unknown {
  const c = structuredClone(s) as unknown as { stats: Record<string, unknown>; options?: unknown };
  delete c.stats['fastPath'];
  delete c.stats['slowPath'];
  delete c.options;
  return c;
}

test('malformed and truncated lines are counted and skipped, never fatal', async (t) => {
  const r = await readAuditLogs([fx('malformed.jsonl')], opts());
  const s = r.summary.stats;
  // 8 non-blank lines: 3 good events, half a line, prose, {"kind": 0}, '[1,2', an event without a verb
  t.is(s.lines, 8);
  t.is(s.malformed, 5);
  t.is(s.events, 3);
  t.is(s.requests, 3);
  t.is(s.duplicates, 0);
  t.is(r.inputs[0]?.format, 'audit-jsonl');
  t.regex(r.inputs[0]?.sha256 ?? '', /^[0-9a-f]{64}$/);
});

test('fast path and JSON.parse path give identical aggregates', async (t) => {
  const files = [
    'risky.jsonl',
    'clean.jsonl',
    'malformed.jsonl',
    'secrets-planted.jsonl',
    'eventlist-pretty.json',
  ].map(fx);
  const fast = await readAuditLogs(files, opts());
  const slow = await readAuditLogs(files, opts({ slowPathOnly: true }));
  t.true(fast.summary.stats.fastPath > 100);
  t.is(slow.summary.stats.fastPath, 0);
  t.deepEqual(comparable(fast.summary), comparable(slow.summary));
});

test('gzip is detected by magic bytes, whatever the name; rotated files and directories are read', async (t) => {
  const dir = await tmp(t);
  const clean = await readFile(fx('clean.jsonl'), 'utf8');
  const ls = clean.trimEnd().split('\n');
  const half = Math.floor(ls.length / 2);
  await mkdir(path.join(dir, 'audit'));
  await writeFile(path.join(dir, 'audit', 'audit.log.1'), gzipSync(ls.slice(0, half).join('\n') + '\n'));
  await writeFile(path.join(dir, 'audit', 'audit-2026-11-01T10-00-00.000.log.gz'), gzipSync(''));
  await writeFile(path.join(dir, 'audit', 'audit.log'), ls.slice(half).join('\n') + '\n');
  await writeFile(path.join(dir, 'audit', 'README.txt'), 'not a log');
  const r = await readAuditLogs([path.join(dir, 'audit')], opts());
  const whole = await readAuditLogs([fx('clean.jsonl')], opts());
  t.is(r.inputs.length, 3);
  t.deepEqual(r.inputs.map((i) => i.format).sort(), ['audit-jsonl', 'audit-jsonl+gzip', 'audit-jsonl+gzip']);
  t.is(r.summary.stats.requests, whole.summary.stats.requests);
  t.is(r.summary.stats.requests, 37);
  t.is(r.summary.stats.events, 74);
  t.deepEqual(r.unreadable, []);
});

test('a truncated gzip file keeps the lines before the damage', async (t) => {
  const dir = await tmp(t);
  const gz = gzipSync(await readFile(fx('clean.jsonl')));
  await writeFile(path.join(dir, 'audit.log.2.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
  const r = await readAuditLogs([dir], opts());
  t.true(r.summary.stats.requests > 5);
  t.true(r.summary.notes.some((n) => n.includes('audit.log.2.gz')));
});

test('one request per auditID: RequestReceived and ResponseComplete are one request', async (t) => {
  const r = await readAuditLogs([fx('clean.jsonl')], opts());
  t.is(r.summary.stats.events, 74);
  t.is(r.summary.stats.requests, 37);
  t.is(r.summary.stats.duplicates, 0);
  // the same file twice (via a copy) is deduplicated too
  const dir = await tmp(t);
  await copyFile(fx('clean.jsonl'), path.join(dir, 'copy.log'));
  const twice = await readAuditLogs([fx('clean.jsonl'), path.join(dir, 'copy.log')], opts());
  t.is(twice.summary.stats.requests, 37);
  t.is(twice.summary.stats.duplicates, 74);
});

test('pretty-printed EventList and single Event documents; both API versions; no apiVersion', async (t) => {
  const r = await readAuditLogs([fx('eventlist-pretty.json'), fx('single-event-pretty.json')], opts());
  t.is(r.summary.stats.requests, 3);
  t.is(r.summary.stats.malformed, 1); // the NotAnEvent item
  t.deepEqual(
    r.inputs.map((i) => i.format),
    ['audit-json-document', 'audit-json-document'],
  );
  t.is(r.summary.exec.tally.count, 2);
  t.deepEqual(
    r.summary.exec.tally.samples.map((s) => s.origin.pointer ?? s.origin.line),
    ['/items/0', ''],
  );
  // v1beta1 legacy `timestamp` is used when requestReceivedTimestamp is absent
  t.is(r.summary.stats.lastTimestamp, '2026-11-02T09:00:00.000Z');
});

test('--since/--until bound the window; events outside are ignored', async (t) => {
  const from = new Date('2026-11-01T11:00:00Z');
  const to = new Date('2026-11-01T12:00:00Z');
  const r = await readAuditLogs([fx('clean.jsonl')], opts(), { period: { from, to } });
  t.is(r.summary.stats.requests, 13);
  t.is(r.summary.stats.firstTimestamp, '2026-11-01T11:00:00.000Z');
  t.is(r.summary.stats.lastTimestamp, '2026-11-01T12:00:00.000Z');
  t.is(r.summary.stats.outOfWindow, 74 - 26);
  t.deepEqual(r.summary.window, { from: from.toISOString(), to: to.toISOString() });
});

test('a window reaching beyond the log is a coverage gap at its ends', async (t) => {
  const r = await readAuditLogs([fx('clean.jsonl')], opts(), {
    period: { from: new Date('2026-11-01T06:00:00Z'), to: new Date('2026-11-01T13:00:00Z') },
  });
  t.is(r.summary.gapCount, 1);
  t.is(r.summary.gaps[0]?.from, '2026-11-01T06:00:00.000Z');
});

test('missing paths and empty directories are reported, not thrown', async (t) => {
  const dir = await tmp(t);
  const r = await readAuditLogs([path.join(dir, 'nope.log'), dir], opts());
  t.deepEqual(
    r.unreadable.map((u) => u.message),
    ['no such file or directory', 'directory holds no audit log files'],
  );
  t.is(r.summary.stats.requests, 0);
  const e = await expandPaths([fx('clean.jsonl'), fx('clean.jsonl')]);
  t.is(e.files.length, 1);
});

test('lines longer than maxLineBytes are counted malformed', async (t) => {
  const dir = await tmp(t);
  const good = (await readFile(fx('clean.jsonl'), 'utf8')).split('\n')[1]!;
  await writeFile(path.join(dir, 'a.log'), `${'x'.repeat(5000)}\n${good}\n`);
  const r = await readAuditLogs([path.join(dir, 'a.log')], opts({ maxLineBytes: 1000 }));
  t.is(r.summary.stats.malformed, 1);
  t.is(r.summary.stats.requests, 1);
});

test('UTF-8 names survive chunk boundaries and the ASCII fast decoding', async (t) => {
  const dir = await tmp(t);
  const base = (await readFile(fx('clean.jsonl'), 'utf8')).split('\n')[1]!;
  const name = 'zoë-管理者-🔑@example.com';
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    lines.push(
      base
        .replace('"system:kube-scheduler"', JSON.stringify(i % 2 ? name : 'ascii@example.com'))
        .replace(/"auditID":"[^"]+"/, `"auditID":"u-${i}"`)
        .replace('"resource":"leases"', '"resource":"secrets"')
        .replace('"verb":"update"', '"verb":"get"'),
    );
  }
  await writeFile(path.join(dir, 'a.log'), lines.join('\n'));
  const r = await readAuditLogs([path.join(dir, 'a.log')], opts());
  t.is(r.summary.stats.requests, 3000);
  t.is(r.summary.stats.malformed, 0);
  t.deepEqual(
    r.summary.secretReads.byPrincipal.map((p) => [p.principal, p.count]),
    [
      ['ascii@example.com', 1500],
      [name, 1500],
    ],
  );
});

test('more open requests than maxPending: the oldest are counted early, none twice', async (t) => {
  const dir = await tmp(t);
  const base = (await readFile(fx('clean.jsonl'), 'utf8')).split('\n')[0]!; // a RequestReceived event
  const rr = (i: number) => base.replace(/"auditID":"[^"]+"/, `"auditID":"open-${i}"`);
  const rc = (i: number) => rr(i).replace('"stage":"RequestReceived"', '"stage":"ResponseComplete"');
  // 50 requests opened, then all completed: with maxPending 10, 40 are counted from RequestReceived
  const lines = [
    ...Array.from({ length: 50 }, (_, i) => rr(i)),
    ...Array.from({ length: 50 }, (_, i) => rc(i)),
  ];
  await writeFile(path.join(dir, 'a.log'), lines.join('\n'));
  const r = await readAuditLogs([path.join(dir, 'a.log')], opts({ maxPending: 10 }));
  t.is(r.summary.stats.requests, 50);
  t.is(r.summary.stats.events, 100);
  t.true(r.summary.notes.some((n) => n.includes('more than 10 requests were open at once')));
  const roomy = await readAuditLogs([path.join(dir, 'a.log')], opts());
  t.is(roomy.summary.stats.requests, 50);
  t.is(roomy.summary.stats.duplicates, 0);
});

test('a UTF-8 byte order mark and CRLF line ends are tolerated', async (t) => {
  const dir = await tmp(t);
  const ls = (await readFile(fx('clean.jsonl'), 'utf8')).trimEnd().split('\n');
  await writeFile(path.join(dir, 'a.log'), '\uFEFF' + ls.join('\r\n') + '\r\n');
  const r = await readAuditLogs([path.join(dir, 'a.log')], opts());
  t.is(r.summary.stats.malformed, 0);
  t.is(r.summary.stats.requests, 37);
});
