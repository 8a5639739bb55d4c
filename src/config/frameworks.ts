import { ConfigError } from '../errors.ts';

/**
 * The error for framework ids the mapping data does not define (`scan` before it collects anything,
 * `validate --config`), or undefined when every id is known.
 */
export function unknownFrameworksError(
  ids: readonly string[],
  known: readonly string[],
): ConfigError | undefined {
  const unknown = ids.filter((f) => !known.includes(f));
  if (unknown.length === 0) return undefined;
  return new ConfigError(
    `frameworks: unknown framework ${unknown.map((u) => `"${u}"`).join(', ')}`,
    `known: ${known.join(', ')} (or pci, soc2, iso27001, nist)`,
  );
}
