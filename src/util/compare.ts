/** Orderings shared by the sources and the report builder. */

const NUMERIC = new Intl.Collator('en', { numeric: true });

/**
 * Natural order for ids and names (`1.2.10` after `1.2.9`, `C-0100` after `C-0099`). One collator serves
 * every call: localeCompare with options builds a new one each time.
 */
export function compareNatural(a: string, b: string): number {
  return NUMERIC.compare(a, b);
}
