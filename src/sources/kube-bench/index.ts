/**
 * The kube-bench source: reads kube-bench JSON (every layout) or text output, one input per node,
 * and turns each check into a finding keyed by (benchmark, check id, node).
 */
import type { Source, SourceContext, SourceOutput } from '../types.ts';
import { normalizeKubeBench } from './normalize.ts';
import { fsReader, readInputs } from './read.ts';
import type { KubeBenchRaw, KubeBenchReader } from './read.ts';
import { isKubeBenchJson } from './schema.ts';

export interface KubeBenchOptions {
  /** File system and stdin access; the real ones by default. */
  reader?: KubeBenchReader;
}

/**
 * Builds the kube-bench source for the given inputs (`PATH`, `NODE=PATH`, `DIR` or `-`, see read.ts).
 * read() never throws for a bad input; normalize() reports bad inputs in `partialError` and throws
 * InputError only when no input could be used.
 */
export function kubeBenchSource(
  inputs: readonly string[],
  opts: KubeBenchOptions = {},
): Source<KubeBenchRaw> {
  const reader = opts.reader ?? fsReader;
  return {
    id: 'kube-bench',
    title: 'kube-bench (CIS Kubernetes Benchmark and related benchmarks)',
    read: (_ctx: SourceContext) => readInputs(inputs, reader),
    normalize: (raw: KubeBenchRaw, ctx: SourceContext): SourceOutput => normalizeKubeBench(raw, ctx),
    detect: isKubeBenchJson,
  };
}

export { isKubeBenchJson as detect, recogniseOtherTool } from './schema.ts';
export { normalizeKubeBench, parseInput } from './normalize.ts';
export { readInputs, parseInputSpec, nodeFromFilename, fsReader } from './read.ts';
export type { KubeBenchRaw, KubeBenchReader, KubeBenchInput } from './read.ts';
export { inferBenchmark, identifyCheck, resolveDeclared, scoreBenchmarks } from './infer.ts';
export type { Identification } from './infer.ts';
export { classify } from './classify.ts';
