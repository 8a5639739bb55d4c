/**
 * Locates the shared third-party fixtures (/work/shared in development): KUBEPROOF_SHARED, else
 * `<projectRoot>/../shared`. Returns undefined when the folder is absent, so conformance tests can
 * say they were skipped instead of passing silently. Fixtures are read in place, never copied.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared folder (holding `fixtures/`, `frameworks/`), or undefined when absent. */
export function sharedDir(): string | undefined {
  const dir = process.env['KUBEPROOF_SHARED'] || path.resolve(projectRoot, '../shared');
  return existsSync(dir) ? dir : undefined;
}

/** `<shared>/fixtures/<area>`, or undefined when absent. */
export function sharedFixtures(area: string): string | undefined {
  const shared = sharedDir();
  if (!shared) return undefined;
  const dir = path.join(shared, 'fixtures', area);
  return existsSync(dir) ? dir : undefined;
}
