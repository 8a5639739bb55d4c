/** Locates the shared third-party fixtures (read in place, never copied): KUBEPROOF_SHARED or <root>/../shared. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `<shared>/fixtures/<sub>` when it exists, else undefined. */
export function sharedFixtures(sub = ''): string | undefined {
  const shared = process.env['KUBEPROOF_SHARED'] ?? path.resolve(projectRoot, '../shared');
  const dir = path.join(shared, 'fixtures', sub);
  return existsSync(dir) ? dir : undefined;
}
