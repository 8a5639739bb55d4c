import test from 'ava';
import { readFile } from 'node:fs/promises';
import { OPTIONS } from '../../src/config/options.ts';

test('the README documents every option of the option table, with its environment variable and config path', async (t) => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  for (const def of OPTIONS) {
    const flag = def.flag.split(' ')[0]!;
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${flag}`));
    t.truthy(row, `README has no row for ${flag}`);
    if (def.env) t.true(row!.includes(def.env), `${flag}: README row lacks ${def.env}`);
    t.true(
      row!.includes(def.path.replace(/^cluster\.enabled$/, 'cluster.enabled: false')),
      `${flag}: README row lacks ${def.path}`,
    );
  }
  t.true(readme.includes('npm run demo') && readme.includes('npm test'));
});
