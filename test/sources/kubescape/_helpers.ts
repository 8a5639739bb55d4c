/** Shared helpers for the Kubescape source tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MappingBundle } from '../../../src/mapping/types.ts';
import type { Finding } from '../../../src/model/types.ts';
import { kubescapeSource } from '../../../src/sources/kubescape/index.ts';
import type { KubescapeReader } from '../../../src/sources/kubescape/read.ts';
import type { SourceContext, SourceOutput } from '../../../src/sources/types.ts';
import { memoryLogger } from '../../../src/util/log.ts';
import { stubBundle } from '../../support/mapping-stub.ts';
import { projectRoot } from '../../support/shared.ts';

export const FIXTURES = path.join(projectRoot, 'test/fixtures/kubescape');

export const fixture = (name: string): string => path.join(FIXTURES, name);
export const readFixture = (name: string): string => readFileSync(fixture(name), 'utf8');

export function ctxFor(mappings: MappingBundle = stubBundle()): SourceContext {
  return { now: () => new Date('2026-01-02T03:04:05Z'), log: memoryLogger(), mappings };
}

/** An in-memory reader: virtual files and stdin. */
export function memReader(files: Record<string, string>, stdin = ''): KubescapeReader {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  return {
    kind: (p) => Promise.resolve(p in files ? 'file' : 'missing'),
    readFile: (p) =>
      p in files ? Promise.resolve(enc(files[p] as string)) : Promise.reject(new Error(`ENOENT ${p}`)),
    readStdin: () => Promise.resolve(enc(stdin)),
  };
}

/** Reads and normalizes through the real Source object. */
export async function run(specs: string[], reader?: KubescapeReader): Promise<SourceOutput> {
  const source = kubescapeSource(specs, reader ? { reader } : {});
  const ctx = ctxFor();
  return source.normalize(await source.read(ctx), ctx);
}

export function find(findings: Finding[], ruleId: string, name?: string): Finding {
  const f = findings.find((x) => x.ruleId === ruleId && (name === undefined || x.resource?.name === name));
  if (!f) throw new Error(`no finding ${ruleId}${name ? ` on ${name}` : ''}`);
  return f;
}
