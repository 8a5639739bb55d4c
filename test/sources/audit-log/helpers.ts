import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceContext } from '../../../src/sources/types.ts';
import { memoryLogger } from '../../../src/util/log.ts';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixtures = path.join(projectRoot, 'test/fixtures/audit-log');
export const fx = (name: string): string => path.join(fixtures, name);

/** The shared third-party fixtures: KUBEPROOF_SHARED, else `<projectRoot>/../shared`; undefined when absent. */
export function sharedDir(sub: string): string | undefined {
  const root = process.env['KUBEPROOF_SHARED'] ?? path.resolve(projectRoot, '../shared');
  const dir = path.join(root, sub);
  return existsSync(dir) ? dir : undefined;
}

export function ctx(period?: { from?: Date; to?: Date }): SourceContext {
  const c: SourceContext = {
    now: () => new Date('2026-11-23T00:00:00Z'),
    log: memoryLogger(),
    mappings: {
      version: 'test',
      sha256: '',
      frameworks: [],
      objectives: new Map(),
      rules: new Map(),
      benchmarks: new Map(),
    },
  };
  if (period) c.period = period;
  return c;
}
