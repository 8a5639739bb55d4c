/**
 * KUBEPROOF_* environment variables that kubeproof does not read. A misspelt one (KUBEPROOF_S3_URL for
 * KUBEPROOF_S3) would otherwise be ignored in silence and a delivery quietly skipped, so the CLI warns.
 */
import { CONFIG_ENV, OPTIONS } from './options.ts';

/** Variables read outside the option table (secrets, diagnostics, the test suite's fixtures folder). */
export const OTHER_ENV: readonly string[] = [
  CONFIG_ENV,
  'KUBEPROOF_SMTP_PASSWORD',
  'KUBEPROOF_DEBUG',
  'KUBEPROOF_SHARED',
  'KUBEPROOF_SARIF_SCHEMA',
];

export function knownEnv(): Set<string> {
  return new Set([...OPTIONS.flatMap((o) => (o.env ? [o.env] : [])), ...OTHER_ENV]);
}

/** Levenshtein distance, for the "did you mean" of a misspelt variable. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** One warning line per KUBEPROOF_* variable kubeproof does not read, with the closest known name. */
export function unknownEnvWarnings(env: Record<string, string | undefined>): string[] {
  const known = knownEnv();
  const out: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('KUBEPROOF_') || known.has(name)) continue;
    let best: string | undefined;
    let bestD = Infinity;
    for (const k of [...known].sort()) {
      // A known name the given one extends, or that extends it (KUBEPROOF_S3_URL, KUBEPROOF_S3), first.
      const d = name.startsWith(`${k}_`) || k.startsWith(`${name}_`) ? 0 : distance(name, k);
      if (d < bestD) [best, bestD] = [k, d];
    }
    const hint =
      best !== undefined && bestD <= Math.max(4, Math.floor(name.length / 4))
        ? ` (did you mean ${best}?)`
        : '';
    out.push(`${name} is not a kubeproof setting and was ignored${hint}`);
  }
  return out;
}
