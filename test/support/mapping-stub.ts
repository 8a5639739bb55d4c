/**
 * A tiny in-memory MappingBundle for source tests: benchmarks with aliases and check texts, whose
 * fingerprints are computed here with the real textFingerprint().
 */
import { textFingerprint } from '../../src/mapping/fingerprint.ts';
import type { BenchmarkDef, MappingBundle } from '../../src/mapping/types.ts';

export interface StubBenchmark {
  id: string;
  platform?: string;
  aliases?: string[];
  /** check id → check text as kube-bench prints it. */
  checks: Record<string, string>;
}

export function stubBundle(benchmarks: StubBenchmark[] = []): MappingBundle {
  const map = new Map<string, BenchmarkDef>();
  for (const b of benchmarks) {
    map.set(b.id, {
      id: b.id,
      platform: b.platform ?? 'generic',
      aliases: b.aliases ?? [],
      fingerprints: new Map(Object.entries(b.checks).map(([id, text]) => [id, textFingerprint(text)])),
    });
  }
  return {
    version: 'test',
    sha256: '0'.repeat(64),
    frameworks: [],
    objectives: new Map(),
    rules: new Map(),
    benchmarks: map,
  };
}
