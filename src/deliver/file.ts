/**
 * Local output: the copy that must survive whatever happens to email and S3. The caller writes it
 * FIRST, before any remote delivery. Each artifact is written to a temporary file in the same
 * directory, flushed, then renamed over its final name, so a reader never sees a half-written report.
 * Nothing is ever deleted: files of earlier runs stay; a same-named file is replaced atomically.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Artifact, Receipt } from '../model/types.ts';
import { redactText } from '../util/redact.ts';

/** A plain file name: no directory part, no traversal, no hidden temp-file lookalike. */
export function isSafeFilename(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    !name.includes('/') &&
    !name.includes('\\') &&
    !name.includes('\0') &&
    name !== '.' &&
    name !== '..' &&
    !name.startsWith('.')
  );
}

async function writeAtomic(dir: string, a: Artifact): Promise<void> {
  const final = path.join(dir, a.filename);
  const tmp = path.join(dir, `.${a.filename}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(a.body);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, final);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes every artifact into dir (created if needed). Never throws: a failure is an ok:false receipt
 * naming each file that could not be written; the files that could be written are kept and listed.
 */
export async function writeLocal(dir: string, artifacts: readonly Artifact[]): Promise<Receipt> {
  const target = path.resolve(dir);
  const written: string[] = [];
  const errors: string[] = [];
  try {
    await mkdir(target, { recursive: true });
  } catch (err) {
    return {
      kind: 'file',
      target,
      ok: false,
      error: `cannot create ${target}: ${message(err)}`,
      artifacts: [],
    };
  }
  for (const a of [...artifacts].sort((x, y) =>
    x.filename < y.filename ? -1 : x.filename > y.filename ? 1 : 0,
  )) {
    if (!isSafeFilename(a.filename)) {
      errors.push(`${JSON.stringify(a.filename)}: not a plain file name`);
      continue;
    }
    try {
      await writeAtomic(target, a);
      written.push(a.filename);
    } catch (err) {
      errors.push(`${a.filename}: ${message(err)}`);
    }
  }
  return errors.length === 0
    ? { kind: 'file', target, ok: true, artifacts: written }
    : { kind: 'file', target, ok: false, error: errors.join('; '), artifacts: written };
}

function message(err: unknown): string {
  return redactText(err instanceof Error ? err.message : String(err));
}
