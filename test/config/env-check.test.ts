import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { knownEnv, unknownEnvWarnings } from '../../src/config/env-check.ts';
import { OPTIONS } from '../../src/config/options.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('a misspelt KUBEPROOF_* variable is reported with the closest known name; known ones and others are not', (t) => {
  const w = unknownEnvWarnings({
    KUBEPROOF_S3_URL: 's3://b/p',
    KUBEPROOF_FRAMEWROKS: 'pci',
    KUBEPROOF_ZZZZZZZZZZZZ: '1',
    KUBEPROOF_S3: 's3://b/p',
    KUBEPROOF_SMTP_PASSWORD: 'never printed',
    PATH: '/usr/bin',
  });
  t.deepEqual(w, [
    'KUBEPROOF_FRAMEWROKS is not a kubeproof setting and was ignored (did you mean KUBEPROOF_FRAMEWORKS?)',
    'KUBEPROOF_S3_URL is not a kubeproof setting and was ignored (did you mean KUBEPROOF_S3?)',
    'KUBEPROOF_ZZZZZZZZZZZZ is not a kubeproof setting and was ignored',
  ]);
  t.false(w.join('\n').includes('never printed'), 'values are never echoed');
  for (const o of OPTIONS) if (o.env) t.true(knownEnv().has(o.env), o.env);
});

test('every KUBEPROOF_* variable the README, docs, deploy manifests and Dockerfile mention is one kubeproof reads', (t) => {
  const files: string[] = [path.join(ROOT, 'README.md'), path.join(ROOT, 'Dockerfile')];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(md|ya?ml|tpl|json|txt)$/.test(e)) files.push(p);
    }
  };
  walk(path.join(ROOT, 'docs'));
  walk(path.join(ROOT, 'deploy'));
  const known = knownEnv();
  for (const f of files) {
    // the delivery docs quote one misspelt name on purpose, in the warning it causes
    for (const m of readFileSync(f, 'utf8').matchAll(
      /KUBEPROOF_[A-Z0-9_]+\b(?! is not a kubeproof setting)/g,
    )) {
      t.true(known.has(m[0]), `${path.relative(ROOT, f)}: ${m[0]}`);
    }
  }
});
