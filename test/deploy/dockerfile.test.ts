/** The Dockerfile, checked statically (no container engine on the build machines). */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './manifests.ts';

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (buf === '' && (line === '' || line.startsWith('#'))) return;
    if (buf === '') start = i + 1;
    if (line.endsWith('\\')) {
      buf += line.slice(0, -1) + ' ';
      return;
    }
    buf += line;
    const m = /^([A-Za-z]+)\s+([\s\S]*)$/.exec(buf);
    if (!m) throw new Error(`Dockerfile:${start}: cannot parse "${buf}"`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.replace(/\s+/g, ' ').trim(), line: start });
    buf = '';
  });
  if (buf !== '') throw new Error('Dockerfile: dangling continuation line');
  return out;
}

const ins = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const all = (op: string): Instruction[] => ins.filter((i) => i.op === op);

test('base image: Node 24 on Debian slim, pinned, never latest', (t) => {
  const from = all('FROM');
  t.is(from.length, 1);
  t.regex(from[0]!.args, /^node:24(\.[0-9.]+)?-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/);
  t.notRegex(from[0]!.args, /:latest\b/);
});

test('Chromium and fonts come from Debian; production dependencies only', (t) => {
  const runs = all('RUN')
    .map((r) => r.args)
    .join('\n');
  for (const pkg of ['chromium', 'fonts-dejavu', 'fonts-noto-cjk'])
    t.regex(runs, new RegExp(`apt-get install [^\\n]*\\b${pkg}\\b`));
  t.regex(runs, /rm -rf \/var\/lib\/apt\/lists/);
  t.regex(runs, /npm ci [^\n]*--omit=dev/);
  t.notRegex(runs, /curl|wget/, 'nothing is downloaded outside the package managers');
});

test('runs as the non-root user 10001 with bin/kubeproof as entrypoint', (t) => {
  const users = all('USER');
  t.true(users.length >= 1);
  const last = users.at(-1)!;
  t.is(ins.filter((i) => i.op === 'USER' || i.op === 'RUN').at(-1), last, 'nothing runs after USER as root');
  t.regex(last.args, /^10001(:10001)?$/);
  const entry = JSON.parse(all('ENTRYPOINT').at(-1)!.args) as string[];
  t.is(entry.at(-1), '/app/bin/kubeproof');
  const env = all('ENV')
    .map((e) => e.args)
    .join(' ');
  t.regex(env, /KUBEPROOF_CHROMIUM=\/usr\/bin\/chromium/);
});

test('the image copies what the npm package ships, and only that', (t) => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  const shipped = new Set([
    ...pkg.files,
    'package.json',
    'package-lock.json',
    '.npmrc',
    'scripts/node-env.sh',
  ]);
  const sources = all('COPY')
    .flatMap((c) => c.args.split(' ').slice(0, -1))
    .filter((s) => !s.startsWith('--'));
  t.true(sources.length >= 5);
  for (const s of sources) {
    const top = s.replace(/\/$/, '');
    t.true(shipped.has(top) || shipped.has(top.split('/')[0]!), `COPY ${s} is not part of the package`);
  }
  t.true(sources.includes('bin') && sources.includes('src') && sources.includes('mappings'));
  // bin/kubeproof sources scripts/node-env.sh: the entrypoint must find it in the image
  t.true(existsSync(path.join(ROOT, 'scripts', 'node-env.sh')));
});

test('.dockerignore keeps local state, credentials and tests out of the build context', (t) => {
  const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim());
  for (const p of [
    '.git',
    'node_modules',
    '.tools',
    'test',
    'kubeproof-report',
    '*.pem',
    '*.key',
    'kubeconfig*',
    '.env',
  ]) {
    t.true(ignore.includes(p), p);
  }
});

test('parseDockerfile joins continuation lines and rejects a dangling one', (t) => {
  t.deepEqual(parseDockerfile('# c\nRUN a \\\n  && b\nUSER 1'), [
    { op: 'RUN', args: 'a && b', line: 2 },
    { op: 'USER', args: '1', line: 4 },
  ]);
  t.throws(() => parseDockerfile('RUN a \\'), { message: /dangling/ });
});
