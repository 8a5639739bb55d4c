import test from 'ava';
import type { ExecutionContext } from 'ava';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isSafeFilename, writeLocal } from '../../src/deliver/file.ts';

function tmp(t: ExecutionContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeproof-file-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('writes every artifact (creating the directory), leaves no temp files, keeps unrelated files', async (t) => {
  const dir = path.join(tmp(t), 'out', 'run');
  const r0 = await writeLocal(dir, [{ filename: 'old.csv', mediaType: 'text/csv', body: 'a\n' }]);
  t.true(r0.ok);
  const bytes = new Uint8Array([0, 1, 2, 255]);
  const r = await writeLocal(dir, [
    { filename: 'report.json', mediaType: 'application/json', body: '{}' },
    { filename: 'report.pdf', mediaType: 'application/pdf', body: bytes },
  ]);
  t.deepEqual(r, {
    kind: 'file',
    target: path.resolve(dir),
    ok: true,
    artifacts: ['report.json', 'report.pdf'],
  });
  t.deepEqual(readdirSync(dir).sort(), ['old.csv', 'report.json', 'report.pdf']);
  t.deepEqual(new Uint8Array(readFileSync(path.join(dir, 'report.pdf'))), bytes);
  t.is(readFileSync(path.join(dir, 'old.csv'), 'utf8'), 'a\n');
});

test('a same-named file is replaced whole', async (t) => {
  const dir = tmp(t);
  writeFileSync(path.join(dir, 'report.json'), 'x'.repeat(10_000));
  const r = await writeLocal(dir, [
    { filename: 'report.json', mediaType: 'application/json', body: '{"v":2}' },
  ]);
  t.true(r.ok);
  t.is(readFileSync(path.join(dir, 'report.json'), 'utf8'), '{"v":2}');
  t.deepEqual(readdirSync(dir), ['report.json']);
});

test('unsafe names are refused, the others written; the receipt says which', async (t) => {
  const dir = tmp(t);
  const r = await writeLocal(dir, [
    { filename: '../escape.json', mediaType: 'application/json', body: '{}' },
    { filename: 'ok.json', mediaType: 'application/json', body: '{}' },
  ]);
  t.false(r.ok);
  t.deepEqual(r.artifacts, ['ok.json']);
  t.is(r.error, '"../escape.json": not a plain file name');
  t.deepEqual(readdirSync(dir), ['ok.json']);
  t.false(isSafeFilename('.hidden'));
  t.false(isSafeFilename('a\\b'));
  t.true(isSafeFilename('report.sarif.json'));
});

test('an unwritable directory gives ok:false, never a throw, and no temp files', async (t) => {
  if (process.getuid?.() === 0) {
    // root ignores directory permissions; use a path under a regular file instead
    const dir = tmp(t);
    writeFileSync(path.join(dir, 'file'), '');
    const r = await writeLocal(path.join(dir, 'file', 'sub'), [
      { filename: 'a.json', mediaType: 'x', body: '' },
    ]);
    t.false(r.ok);
    t.regex(r.error ?? '', /cannot create .*(ENOTDIR|EEXIST)/);
    return;
  }
  const dir = tmp(t);
  chmodSync(dir, 0o500);
  t.teardown(() => chmodSync(dir, 0o700));
  const r = await writeLocal(dir, [{ filename: 'a.json', mediaType: 'application/json', body: '{}' }]);
  t.false(r.ok);
  t.regex(r.error ?? '', /a\.json: .*EACCES/);
  t.deepEqual(readdirSync(dir), []);
});
