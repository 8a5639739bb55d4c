/** Shared helpers for the kube-bench source tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MappingBundle } from '../../../src/mapping/types.ts';
import type { Finding } from '../../../src/model/types.ts';
import { kubeBenchSource } from '../../../src/sources/kube-bench/index.ts';
import type { KubeBenchReader } from '../../../src/sources/kube-bench/read.ts';
import type { SourceContext, SourceOutput } from '../../../src/sources/types.ts';
import { memoryLogger } from '../../../src/util/log.ts';
import { projectRoot } from '../../support/shared.ts';
import { stubBundle } from '../../support/mapping-stub.ts';

export const FIXTURES = path.join(projectRoot, 'test/fixtures/kube-bench');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

export function ctxFor(mappings: MappingBundle = stubBundle()): SourceContext {
  return { now: () => new Date('2026-01-02T03:04:05Z'), log: memoryLogger(), mappings };
}

/** Reads and normalizes through the real Source object. */
export async function run(
  specs: string[],
  mappings: MappingBundle = stubBundle(),
  reader?: KubeBenchReader,
): Promise<SourceOutput> {
  const source = kubeBenchSource(specs, reader ? { reader } : {});
  const ctx = ctxFor(mappings);
  return source.normalize(await source.read(ctx), ctx);
}

/** An in-memory reader: virtual files (paths as given) and stdin. */
export function memReader(files: Record<string, string | Uint8Array>, stdin = ''): KubeBenchReader {
  const bytes = (v: string | Uint8Array): Uint8Array =>
    typeof v === 'string' ? new TextEncoder().encode(v) : v;
  const dirs = new Set(Object.keys(files).map((f) => path.dirname(f)));
  return {
    kind: (p) => Promise.resolve(p in files ? 'file' : dirs.has(p) ? 'dir' : 'missing'),
    readFile: (p) => {
      const v = files[p];
      return v === undefined ? Promise.reject(new Error(`ENOENT: ${p}`)) : Promise.resolve(bytes(v));
    },
    readDir: (p) =>
      Promise.resolve(
        Object.keys(files)
          .filter((f) => path.dirname(f) === p)
          .map((f) => path.basename(f)),
      ),
    readStdin: () => Promise.resolve(bytes(stdin)),
  };
}

export function readFixture(name: string): string {
  return readFileSync(fixture(name), 'utf8');
}

export function byRule(findings: Finding[], ruleId: string, node?: string): Finding {
  const f = findings.find((x) => x.ruleId === ruleId && (node === undefined || x.resource?.name === node));
  if (!f) throw new Error(`no finding ${ruleId}${node ? ` on ${node}` : ''}`);
  return f;
}

/** Bundle knowing cis-1.23 and cis-1.5 with the hand-written fixtures' check texts. */
export function fixtureBundle(): MappingBundle {
  return stubBundle([
    {
      id: 'cis-1.23',
      aliases: ['cis-1.23', '1.23'],
      checks: {
        '1.1.1':
          'Ensure that the API server pod specification file permissions are set to 600 or more restrictive (Automated)',
        '1.2.1': 'Ensure that the --anonymous-auth argument is set to false (Manual)',
        '1.2.17': 'Ensure that the --profiling argument is set to false (Automated)',
        '4.2.1': 'Ensure that the --anonymous-auth argument is set to false (Automated)',
        '4.2.10': 'Ensure that the --rotate-certificates argument is not set to false (Automated)',
      },
    },
    {
      id: 'cis-1.5',
      aliases: ['cis-1.5', '1.5'],
      checks: {
        '2.1': 'Ensure that the --cert-file and --key-file arguments are set as appropriate (Scored)',
        '2.2': 'Ensure that the --client-cert-auth argument is set to true (Scored)',
        '3.2.1': 'Ensure that a minimal audit policy is created (Scored)',
      },
    },
    {
      id: 'cis-1.6',
      aliases: ['cis-1.6', '1.6'],
      checks: {
        // Same etcd check texts as cis-1.5: inference must not pick it over the declared sibling.
        '2.1': 'Ensure that the --cert-file and --key-file arguments are set as appropriate (Automated)',
        '2.2': 'Ensure that the --client-cert-auth argument is set to true (Automated)',
      },
    },
  ]);
}
