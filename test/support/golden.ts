import type { ExecutionContext } from 'ava';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const GOLDEN = fileURLToPath(new URL('../golden/', import.meta.url));

/**
 * Compares `actual` with the committed golden file test/golden/<name>. Set UPDATE_GOLDEN=1 to rewrite it
 * (then review the diff before committing). Under CI a missing golden file is a failure.
 */
export async function golden(t: ExecutionContext, name: string, actual: unknown): Promise<void> {
  const file = path.join(GOLDEN, name);
  const text = typeof actual === 'string' ? actual : JSON.stringify(actual, null, 2) + '\n';
  if (process.env['UPDATE_GOLDEN'] === '1') {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    t.log(`updated ${path.relative(process.cwd(), file)}`);
    t.pass();
    return;
  }
  let expected: string;
  try {
    expected = await readFile(file, 'utf8');
  } catch {
    t.fail(`golden file ${name} is missing; run with UPDATE_GOLDEN=1 and commit it`);
    return;
  }
  t.is(text, expected, `output differs from test/golden/${name} (UPDATE_GOLDEN=1 to accept)`);
}
