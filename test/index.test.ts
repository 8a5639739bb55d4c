import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

test('the library entry loads and names its main exports', async (t) => {
  const m = (await import('../src/index.ts')) as Record<string, unknown>;
  for (const name of [
    'runScan',
    'assess',
    'buildReport',
    'loadMappings',
    'renderAll',
    'kubeBenchSource',
    'openCluster',
    'diffReports',
  ]) {
    t.is(typeof m[name], 'function', name);
  }
});

test('heavy dependencies (puppeteer, nodemailer, the S3 client) are imported lazily, never statically', async (t) => {
  const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts'));
  const offenders: string[] = [];
  for (const f of files) {
    const text = await readFile(path.join(SRC, f), 'utf8');
    for (const line of text.split('\n')) {
      if (/^\s*import\s(?!type\b).*from\s+'(puppeteer-core|nodemailer|@aws-sdk\/[^']+)'/.test(line))
        offenders.push(`${f}: ${line.trim()}`);
    }
  }
  t.deepEqual(offenders, []);
});
