/**
 * I/O of the audit-log source: expands the `--audit-log` paths (files, directories, rotated and
 * gzip-compressed files), streams each file line by line with constant memory and feeds the
 * aggregator. Gzip is detected by its magic bytes, not the file name. A file whose first line is a
 * lone `{` or `[` is a pretty-printed document (an EventList, a single Event or an array) and is read
 * whole, up to `maxDocumentBytes`. Malformed or truncated lines are counted and skipped, never fatal.
 * With `workers` > 1, a large plain JSON-lines file is split by byte ranges at line boundaries across
 * worker threads whose aggregator states are merged in file order (see readParallel).
 */
import { createReadStream } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isAscii } from 'node:buffer';
import type { InputRecord } from '../../model/types.ts';
import { Worker } from 'node:worker_threads';
import {
  AuditAggregator,
  stateOrigins,
  type AggregatorState,
  type AuditSummary,
  type Pending,
} from './aggregate.ts';
import { recordFromLine, recordFromObject } from './extract.ts';
import type { AuditOptions, AuditRecord, RecordOrigin } from './types.ts';

/** File names taken from a directory: audit logs, their rotations and compressed copies. */
const LOG_NAME = /(\.log|\.json|\.jsonl|\.ndjson|\.gz|\.log\.\d+|\.log\.\d+\.gz|-\d{4}-\d{2}-\d{2}.*\.log)$/i;
const MAX_DIR_FILES = 10_000;
/** Fast-path records cross-checked against JSON.parse: the first lines of every file, then 1 in N. */
const VERIFY_FIRST = 64;
const VERIFY_EVERY = 997;

export interface ReadResult {
  summary: AuditSummary;
  inputs: InputRecord[];
  /** Paths that could not be read, with the reason (never a file's content). */
  unreadable: { path: string; message: string }[];
}

export interface ReadOptions {
  period?: { from?: Date; to?: Date };
  signal?: AbortSignal;
}

/** Expands the given paths into a sorted list of files; unreadable paths are reported, not thrown. */
export async function expandPaths(
  paths: string[],
): Promise<{ files: string[]; unreadable: { path: string; message: string }[] }> {
  const files: string[] = [];
  const seen = new Set<string>();
  const unreadable: { path: string; message: string }[] = [];
  const addFile = async (p: string) => {
    const real = await realpath(p);
    if (!seen.has(real)) {
      seen.add(real);
      files.push(p);
    }
  };
  for (const p of paths) {
    try {
      const st = await stat(p);
      if (st.isDirectory()) {
        const found: string[] = [];
        const walk = async (dir: string, depth: number) => {
          const entries = await readdir(dir, { withFileTypes: true });
          for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
            const full = path.join(dir, e.name);
            if (e.isDirectory() && depth < 3) await walk(full, depth + 1);
            else if (e.isFile() && LOG_NAME.test(e.name) && found.length < MAX_DIR_FILES) found.push(full);
          }
        };
        await walk(p, 0);
        if (found.length === 0) unreadable.push({ path: p, message: 'directory holds no audit log files' });
        // Oldest first (audit.log.2, audit.log.1, audit.log): rotations that overlap are then read one
        // after the other, inside the dedupe window.
        const withTime = await Promise.all(found.map(async (f) => ({ f, t: (await stat(f)).mtimeMs })));
        withTime.sort((a, b) => a.t - b.t || (a.f < b.f ? -1 : 1));
        for (const { f } of withTime) await addFile(f);
      } else {
        await addFile(p);
      }
    } catch (err) {
      unreadable.push({ path: p, message: describeError(err) });
    }
  }
  return { files, unreadable };
}

function describeError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR') return 'corrupt or truncated gzip data';
  return code ?? (err instanceof Error ? err.name : 'unreadable');
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Per-line handling shared by line mode and document mode. */
export class LineHandler {
  private readonly agg: AuditAggregator;
  private slowOnly: boolean;
  private sinceVerify = 0;
  constructor(agg: AuditAggregator, opts: AuditOptions) {
    this.agg = agg;
    this.slowOnly = opts.slowPathOnly;
  }

  line(text: string, origin: RecordOrigin, lineInFile: number): void {
    const agg = this.agg;
    agg.stats.lines++;
    if (!this.slowOnly) {
      const rec = recordFromLine(text);
      if (rec) {
        if (lineInFile <= VERIFY_FIRST || ++this.sinceVerify >= VERIFY_EVERY) {
          this.sinceVerify = 0;
          if (!this.verify(rec, text)) {
            agg.note(
              'the fast parser disagreed with JSON.parse on a sampled line; the rest was read with JSON.parse',
            );
            this.slowOnly = true;
            this.slow(text, origin);
            return;
          }
        }
        agg.stats.fastPath++;
        agg.add(rec, origin);
        return;
      }
    }
    this.slow(text, origin);
  }

  private verify(rec: AuditRecord, text: string): boolean {
    let ref: AuditRecord | undefined;
    try {
      ref = recordFromObject(JSON.parse(text));
    } catch {
      return false;
    }
    return ref !== undefined && sameRecord(rec, ref);
  }

  private slow(text: string, origin: RecordOrigin): void {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      this.agg.stats.malformed++;
      return;
    }
    this.agg.stats.slowPath++;
    this.value(v, origin);
  }

  /** A parsed value: an Event, an EventList, or an array of Events. */
  value(v: unknown, origin: RecordOrigin): void {
    const rec = recordFromObject(v);
    if (rec) {
      this.agg.add(rec, origin);
      return;
    }
    const o = v as { kind?: unknown; items?: unknown } | null;
    const items = Array.isArray(v)
      ? v
      : o && o.kind === 'EventList' && Array.isArray(o.items)
        ? o.items
        : undefined;
    if (!items) {
      this.agg.stats.malformed++;
      return;
    }
    const base = Array.isArray(v) ? '' : '/items';
    items.forEach((item, i) => {
      const r = recordFromObject(item);
      const at: RecordOrigin = { ...origin, pointer: `${origin.pointer ?? ''}${base}/${i}` };
      if (r) this.agg.add(r, at);
      else this.agg.stats.malformed++;
    });
  }
}

/** Deep equality of two records (plain data). */
export function sameRecord(a: AuditRecord, b: AuditRecord): boolean {
  return eqDeep(a, b);
}
function eqDeep(a: unknown, b: unknown): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => eqDeep((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

interface LineOptions {
  maxLineBytes: number;
  signal: AbortSignal | undefined;
  /** Drop the bytes up to and including the first newline (the line belongs to the previous range). */
  skipFirst?: boolean;
  /** Stop before a line that starts at or after this many bytes from the stream's start. */
  stopAt?: number;
}

/**
 * Splits a byte stream into lines (without the newline or a trailing CR) and calls `onLine(text, n)`
 * with a 1-based line number; a line longer than maxLineBytes is dropped and reported through
 * `onTooLong`. Lines are decoded one by one from the bytes, so a string kept for later (a sample, a
 * key) pins at most its own line, never a whole read buffer. Returns the number of lines seen.
 */
export async function forEachLine(
  stream: Readable,
  o: LineOptions,
  onLine: (text: string, n: number) => void,
  onTooLong: () => void,
): Promise<number> {
  // An all-ASCII chunk (the usual case) decodes as latin1, which gives the same string faster.
  let enc: 'utf8' | 'latin1' = 'utf8';
  const lineAt = (buf: Buffer, a: number, b: number) =>
    buf.toString(enc, a, b > a && buf[b - 1] === 13 ? b - 1 : b);
  const stopAt = o.stopAt ?? Infinity;
  let skipping = o.skipFirst === true;
  let rest: Buffer[] = [];
  let restLen = 0;
  let tooLong = false;
  let lineNo = 0;
  let base = 0;
  let lineStart = 0;
  for await (const chunk of stream) {
    if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
    const buf = chunk as Buffer;
    enc = isAscii(buf) ? 'latin1' : 'utf8';
    let start = 0;
    let nl = buf.indexOf(10);
    if (skipping) {
      if (nl < 0) {
        base += buf.length;
        continue;
      }
      skipping = false;
      start = nl + 1;
      lineStart = base + start;
      nl = buf.indexOf(10, start);
    }
    if (restLen > 0 || tooLong) {
      if (lineStart >= stopAt) return lineNo;
      if (nl < 0) {
        if (!tooLong) {
          rest.push(buf);
          restLen += buf.length;
          if (restLen > o.maxLineBytes) {
            tooLong = true;
            rest = [];
            restLen = 0;
          }
        }
        base += buf.length;
        continue;
      }
      lineNo++;
      if (tooLong) onTooLong();
      else {
        const joined = Buffer.concat([...rest, buf.subarray(0, nl)]);
        enc = 'utf8';
        onLine(lineAt(joined, 0, joined.length), lineNo);
        enc = isAscii(buf) ? 'latin1' : 'utf8';
      }
      rest = [];
      restLen = 0;
      tooLong = false;
      start = nl + 1;
      lineStart = base + start;
      nl = buf.indexOf(10, start);
    }
    while (nl >= 0) {
      if (base + start >= stopAt) return lineNo;
      onLine(lineAt(buf, start, nl), ++lineNo);
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    lineStart = base + start;
    if (start < buf.length) {
      if (lineStart >= stopAt) return lineNo;
      rest = [Buffer.from(buf.subarray(start))];
      restLen = rest[0]!.length;
      if (restLen > o.maxLineBytes) {
        tooLong = true;
        rest = [];
        restLen = 0;
      }
    }
    base += buf.length;
  }
  if (tooLong) {
    lineNo++;
    onTooLong();
  } else if (restLen > 0 && lineStart < stopAt) {
    const joined = Buffer.concat(rest);
    enc = 'utf8';
    onLine(lineAt(joined, 0, joined.length), ++lineNo);
  }
  return lineNo;
}

/** Streams one file into the handler. Throws only when the file cannot be opened at all. */
async function readFile(
  file: string,
  handler: LineHandler,
  agg: AuditAggregator,
  opts: AuditOptions,
  signal: AbortSignal | undefined,
): Promise<InputRecord> {
  const gz = await isGzip(file);
  const hash = createHash('sha256');
  let bytes = 0;
  const raw = createReadStream(file, { highWaterMark: 1024 * 1024 });
  raw.on('data', (chunk) => {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  });
  const stream: Readable = gz ? raw.pipe(createGunzip({ chunkSize: 256 * 1024 })) : raw;
  if (gz) raw.on('error', (e) => stream.destroy(e));
  let lineNo = 0;
  const state: { mode: 'unknown' | 'lines' | 'document' } = { mode: 'unknown' };
  const doc: string[] = [];
  let docBytes = 0;
  let docTooLarge = false;
  const take = (raw: string, n: number) => {
    lineNo = n;
    // a UTF-8 byte order mark (some Windows exports) is not part of the JSON
    const text = n === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (state.mode === 'unknown') {
      const t = text.trim();
      if (t === '') return;
      state.mode = t === '{' || t === '[' ? 'document' : 'lines';
    }
    if (state.mode === 'document') {
      if (docTooLarge) return;
      docBytes += text.length + 1;
      if (docBytes > opts.maxDocumentBytes) {
        docTooLarge = true;
        doc.length = 0;
        return;
      }
      doc.push(text);
      return;
    }
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
    handler.line(text, { file, line: n }, n);
  };
  try {
    await forEachLine(stream, { maxLineBytes: opts.maxLineBytes, signal }, take, () => {
      agg.stats.malformed++;
      agg.note(`${file}: a line longer than ${opts.maxLineBytes} bytes was skipped`);
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    agg.note(`${file}: ${describeError(err)}; the lines before the damage were read`);
  }
  const format = state.mode === 'document' ? 'audit-json-document' : 'audit-jsonl';
  if (state.mode === 'document') {
    if (docTooLarge) {
      agg.stats.malformed++;
      agg.note(
        `${file}: pretty-printed JSON larger than ${opts.maxDocumentBytes} bytes was skipped; ` +
          "convert it to JSON lines (jq -c '.items[]')",
      );
    } else {
      let v: unknown;
      try {
        v = JSON.parse(doc.join('\n'));
      } catch {
        agg.stats.malformed++;
        v = undefined;
      }
      doc.length = 0;
      agg.stats.lines += lineNo;
      if (v !== undefined) handler.value(v, { file, pointer: '' });
    }
  }
  return { path: file, sha256: hash.digest('hex'), bytes, format: gz ? `${format}+gzip` : format };
}

/** What a worker thread reads: one byte range of a JSON-lines file. */
export interface RangeJob {
  file: string;
  start: number;
  end: number;
  opts: AuditOptions;
  period?: { from?: Date; to?: Date };
}

export interface RangeResult {
  state: AggregatorState;
  /** Physical lines owned by the range (to shift the line numbers of later ranges). */
  lines: number;
}

/**
 * Reads the lines that start in [start, end) of a file into a fresh aggregator (the worker side).
 * Line numbers in the result are relative to the range.
 */
export async function readRange(job: RangeJob): Promise<RangeResult> {
  const agg = new AuditAggregator(job.opts, job.period);
  const handler = new LineHandler(agg, job.opts);
  const from = job.start > 0 ? job.start - 1 : 0;
  const stream = createReadStream(job.file, { start: from, highWaterMark: 1024 * 1024 });
  let lines = 0;
  try {
    lines = await forEachLine(
      stream,
      {
        maxLineBytes: job.opts.maxLineBytes,
        signal: undefined,
        skipFirst: job.start > 0,
        stopAt: job.end - from,
      },
      (text, n) => {
        if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
        handler.line(text, { file: job.file, line: n }, n);
      },
      () => {
        agg.stats.malformed++;
        agg.note(`${job.file}: a line longer than ${job.opts.maxLineBytes} bytes was skipped`);
      },
    );
  } finally {
    stream.destroy();
  }
  return { state: agg.exportState(), lines };
}

async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** A plain JSON-lines file large enough to split across worker threads. */
async function splittable(file: string, opts: AuditOptions): Promise<number | undefined> {
  if (opts.workers < 2) return undefined;
  const st = await stat(file);
  if (st.size < opts.parallelMinBytes || (await isGzip(file))) return undefined;
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.toString('utf8', 0, bytesRead).trimStart();
    const first = head.slice(0, Math.max(0, head.indexOf('\n'))).trim();
    return head.startsWith('[') || first === '{' ? undefined : st.size;
  } finally {
    await fh.close();
  }
}

function runWorker(job: RangeJob, signal: AbortSignal | undefined): Promise<RangeResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.ts', import.meta.url), {
      workerData: job,
      // small young generation: the per-event garbage dies young either way, and RSS stays bounded
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 192 },
    });
    const onAbort = () => void w.terminate();
    signal?.addEventListener('abort', onAbort, { once: true });
    w.once('message', (r: RangeResult) => resolve(r));
    w.once('error', reject);
    w.once('exit', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (code !== 0) reject(new Error(`audit-log worker exited with code ${code}`));
    });
  });
}

/**
 * Reads one large JSON-lines file with `opts.workers` worker threads, each on a byte range split at
 * line boundaries, and merges their states in file order (same samples, counts and line numbers as
 * a sequential read; a request whose stages straddle two ranges is still counted once).
 */
async function readParallel(
  file: string,
  size: number,
  agg: AuditAggregator,
  opts: AuditOptions,
  ro: ReadOptions,
): Promise<InputRecord> {
  const n = opts.workers;
  const bounds = Array.from({ length: n + 1 }, (_, i) => Math.floor((size * i) / n));
  const hashed = hashFile(file);
  const jobs = bounds.slice(0, -1).map((start, i) => {
    const job: RangeJob = { file, start, end: bounds[i + 1]!, opts };
    if (ro.period) job.period = ro.period;
    return job;
  });
  const results = await Promise.all(jobs.map((j) => runWorker(j, ro.signal)));
  let offset = 0;
  const open: Pending[] = [];
  for (const r of results) {
    if (offset > 0) for (const o of stateOrigins(r.state)) if (o.line !== undefined) o.line += offset;
    open.push(...agg.merge(r.state));
    offset += r.lines;
  }
  for (const p of open) agg.addOpen(p);
  const { sha256, bytes } = await hashed;
  return { path: file, sha256, bytes, format: 'audit-jsonl' };
}

/** Reads every path into one summary. Never throws for unreadable or malformed input. */
export async function readAuditLogs(
  paths: string[],
  opts: AuditOptions,
  ro: ReadOptions = {},
): Promise<ReadResult> {
  const agg = new AuditAggregator(opts, ro.period);
  const handler = new LineHandler(agg, opts);
  const { files, unreadable } = await expandPaths(paths);
  const inputs: InputRecord[] = [];
  for (const f of files) {
    try {
      const size = await splittable(f, opts);
      if (size !== undefined) {
        try {
          inputs.push(await readParallel(f, size, agg, opts, ro));
          continue;
        } catch (err) {
          if (ro.signal?.aborted) throw err;
          // Nothing was merged when a worker fails (Promise.all rejects first): read it sequentially.
          agg.note(`${f}: worker threads failed (${describeError(err)}); read sequentially`);
        }
      }
      inputs.push(await readFile(f, handler, agg, opts, ro.signal));
    } catch (err) {
      if (ro.signal?.aborted) throw err;
      unreadable.push({ path: f, message: describeError(err) });
    }
  }
  return { summary: agg.finish(), inputs, unreadable };
}
