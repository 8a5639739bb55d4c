/**
 * Kubescape control identification beyond the C-id: old v1 reports name controls without an id,
 * and CIS framework scans may report a control by its CIS recommendation id (`CIS-5.7.2`). The index
 * (catalogue-index.json, ids and name fingerprints only) resolves both to the C-id the rule map uses.
 */
import { readFileSync } from 'node:fs';
import { textFingerprint } from '../../mapping/fingerprint.ts';

interface CatalogueIndex {
  nameFingerprints: Record<string, string>;
  cis: Record<string, Record<string, string>>;
}

let cached: CatalogueIndex | undefined;

/** The bundled index; read once. */
export function catalogueIndex(): CatalogueIndex {
  if (!cached) {
    const raw = JSON.parse(
      readFileSync(new URL('./catalogue-index.json', import.meta.url), 'utf8'),
    ) as unknown;
    if (
      typeof raw !== 'object' ||
      raw === null ||
      typeof (raw as CatalogueIndex).nameFingerprints !== 'object' ||
      typeof (raw as CatalogueIndex).cis !== 'object'
    ) {
      throw new Error('src/sources/kubescape/catalogue-index.json: expected {nameFingerprints, cis}');
    }
    cached = raw as CatalogueIndex;
  }
  return cached;
}

/** C-id of a control known only by its name (current or older Kubescape names), or undefined. */
export function controlIdFromName(name: string): string | undefined {
  return catalogueIndex().nameFingerprints[textFingerprint(name)];
}

/** The Kubescape framework whose results used CIS recommendation ids as control ids. */
const LEGACY_CIS_FRAMEWORK = 'cis-v1.23-t1.0.1';

/** `CIS-1.2.6` or a name starting with it → the CIS id; undefined otherwise. */
export function cisIdOf(text: string | undefined): string | undefined {
  const m = /^(CIS-\d+(?:\.\d+)*)\b/.exec(text?.trim() ?? '');
  return m?.[1];
}

/**
 * C-id for a CIS recommendation id reported by a CIS framework scan. CIS numbering differs between
 * framework versions, so the id is resolved, in order: in a CIS framework the report declares; through
 * the control's name (`CIS-1.2.6 Ensure that ...` or the bare title); or when every known CIS framework
 * agrees on it. Returns the C-id and how it was resolved; undefined when none applies.
 */
export function controlIdFromCis(
  cisId: string,
  frameworks: readonly string[],
  name?: string,
): { controlId: string; how: string } | undefined {
  const cis = catalogueIndex().cis;
  const lower = new Map(Object.keys(cis).map((k) => [k.toLowerCase(), k]));
  for (const f of frameworks) {
    const key = lower.get(f.toLowerCase());
    const id = key ? cis[key]?.[cisId] : undefined;
    if (key && id) return { controlId: id, how: `cis-id (${key})` };
  }
  const title = name?.replace(/^CIS-[\d.]+\s*/, '').trim();
  const byName = title ? controlIdFromName(title) : undefined;
  if (byName) return { controlId: byName, how: 'cis-id (control name)' };
  // Only one Kubescape framework reported CIS ids as control ids (newer ones report C-ids and put the CIS
  // id in the name): a result in that form whose framework is not named precisely (DefectDojo's samples
  // call it just "CIS") comes from it.
  const legacy = cis[LEGACY_CIS_FRAMEWORK]?.[cisId];
  if (legacy && !frameworks.some((f) => lower.has(f.toLowerCase())))
    return {
      controlId: legacy,
      how: `cis-id (${LEGACY_CIS_FRAMEWORK}, the framework that reported CIS ids)`,
    };
  const candidates = new Set(
    Object.values(cis)
      .map((m) => m[cisId])
      .filter((x): x is string => !!x),
  );
  if (candidates.size === 1)
    return { controlId: [...candidates][0] as string, how: 'cis-id (every framework agrees)' };
  return undefined;
}
