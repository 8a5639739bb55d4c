/**
 * Which benchmark a kube-bench check belongs to. kube-bench check ids are not stable across
 * benchmark versions, so every finding is keyed by (benchmark, id). Pure given the MappingBundle.
 *
 * 1. declared: the JSON `version` names a benchmark known to the bundle (by id or alias).
 * 2. inferred: the input does not say (text output) or says something unknown (cis-1.5's etcd
 *    target writes `1.15`): every known benchmark is scored by how many (id, text fingerprint)
 *    pairs of the input it contains; the best wins when it matches most checks with a clear margin
 *    over the next (ties go to a benchmark another target of the same input declared).
 * 3. fingerprint: otherwise each check is identified alone by its (id, fingerprint) pair.
 * 4. unidentified: nothing matched; the finding keeps the declared version (if any) as its variant
 *    and stays unmapped.
 */
import { textFingerprint } from '../../mapping/fingerprint.ts';
import type { BenchmarkDef, MappingBundle } from '../../mapping/types.ts';

export type Identification = 'declared' | 'inferred' | 'fingerprint' | 'unidentified';

export interface CheckKey {
  id: string;
  text: string;
}

export interface BenchmarkScore {
  benchmark: string;
  matched: number;
}

export interface GroupIdentification {
  /** Benchmark for the whole group, when declared or inferred. */
  benchmark?: string;
  how: 'declared' | 'inferred' | 'none';
  /** Scores of the best candidates, best first (inference only). */
  scores: BenchmarkScore[];
  /** One sentence for the run notes. */
  explanation: string;
}

/** Share of a group's checks the best benchmark must match for inference. */
const MIN_SHARE = 0.6;

/** Resolves a JSON `version` string to a known benchmark id (exact id, then aliases). */
export function resolveDeclared(version: string | undefined, bundle: MappingBundle): string | undefined {
  if (!version) return undefined;
  const v = version.trim();
  if (bundle.benchmarks.has(v)) return v;
  const hits = [...bundle.benchmarks.values()].filter((b) => b.aliases.includes(v)).map((b) => b.id);
  hits.sort();
  return hits.length === 1 ? hits[0] : undefined;
}

function sortedBenchmarks(bundle: MappingBundle): BenchmarkDef[] {
  return [...bundle.benchmarks.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Scores every known benchmark against the checks; best first, then by id. */
export function scoreBenchmarks(checks: readonly CheckKey[], bundle: MappingBundle): BenchmarkScore[] {
  const fps = checks.map((c) => ({ id: c.id, fp: textFingerprint(c.text) }));
  return sortedBenchmarks(bundle)
    .map((b) => ({ benchmark: b.id, matched: fps.filter((c) => b.fingerprints.get(c.id) === c.fp).length }))
    .filter((s) => s.matched > 0)
    .sort((a, b) => b.matched - a.matched || (a.benchmark < b.benchmark ? -1 : 1));
}

/**
 * Infers the benchmark of a group of checks that ran together (one input's undeclared targets).
 * `hint` is a benchmark another target of the same input declared; it wins ties.
 */
export function inferBenchmark(
  checks: readonly CheckKey[],
  bundle: MappingBundle,
  hint?: string,
): GroupIdentification {
  const n = checks.length;
  const scores = scoreBenchmarks(checks, bundle);
  const best = scores[0];
  if (n === 0 || !best) {
    return { how: 'none', scores, explanation: 'no check matched a known benchmark by id and text' };
  }
  const top = scores.filter((s) => s.matched === best.matched);
  const second = scores.find((s) => s.matched < best.matched)?.matched ?? 0;
  const margin = Math.max(1, Math.ceil(0.1 * n));
  let chosen: BenchmarkScore | undefined;
  if (best.matched >= MIN_SHARE * n) {
    if (top.length === 1 && best.matched - second >= margin) chosen = best;
    else if (hint && top.some((s) => s.benchmark === hint)) chosen = top.find((s) => s.benchmark === hint);
  }
  const list = scores
    .slice(0, 3)
    .map((s) => `${s.benchmark} ${s.matched}/${n}`)
    .join(', ');
  if (!chosen) {
    return {
      how: 'none',
      scores,
      explanation: `no benchmark matched clearly (best: ${list}); checks identified one by one by fingerprint`,
    };
  }
  return {
    benchmark: chosen.benchmark,
    how: 'inferred',
    scores,
    explanation:
      `inferred ${chosen.benchmark}: ${chosen.matched} of ${n} checks match by id and text fingerprint (${list})` +
      (top.length > 1 ? `; tie broken by the benchmark declared elsewhere in the same input` : ''),
  };
}

/**
 * Identifies one check alone: the benchmarks whose (id, fingerprint) pair it matches. When several
 * match (the same check unchanged across versions), the first of `preference` among them wins (so
 * one input's checks land in as few benchmarks as possible), else the first by id; all are listed.
 */
export function identifyCheck(
  check: CheckKey,
  bundle: MappingBundle,
  preference: readonly string[] = [],
): { benchmark: string; candidates: string[] } | undefined {
  const fp = textFingerprint(check.text);
  const candidates = sortedBenchmarks(bundle)
    .filter((b) => b.fingerprints.get(check.id) === fp)
    .map((b) => b.id);
  const first = candidates[0];
  if (first === undefined) return undefined;
  return { benchmark: preference.find((p) => candidates.includes(p)) ?? first, candidates };
}
