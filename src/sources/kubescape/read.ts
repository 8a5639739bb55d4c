/**
 * Kubescape inputs: the only file I/O of this source. Reading never throws for one bad input: each
 * input becomes bytes or an error, so normalize() keeps the others (partial run).
 * Inputs (`--kubescape`, repeatable): a file path, or `-` for standard input.
 */
import { sha256Hex } from '../../util/hash.ts';
import { fsInputReader, type InputFileReader } from '../input-files.ts';
import type { RawInput } from '../types.ts';

export interface KubescapeInputOk {
  raw: RawInput;
}

export interface KubescapeInputError {
  /** The file (or `-`) the error is about. */
  path: string;
  /** `message` does not repeat the path. */
  error: { code: string; message: string; hint?: string };
}

export type KubescapeInput = KubescapeInputOk | KubescapeInputError;

/** What read() hands to normalize(). */
export interface KubescapeRaw {
  inputs: KubescapeInput[];
}

/** The file system and stdin, injectable for tests. */
export type KubescapeReader = Omit<InputFileReader, 'readDir'>;

export const fsReader: KubescapeReader = fsInputReader('Kubescape JSON output');

const HINT = 'check the path given to --kubescape (use - to read standard input)';

/** Reads every input in order; errors are recorded per input, never thrown. `-` appears at most once. */
export async function readKubescapeInputs(
  specs: readonly string[],
  reader: KubescapeReader = fsReader,
): Promise<KubescapeRaw> {
  const inputs: KubescapeInput[] = [];
  let stdinRead = false;
  for (const p of specs) {
    try {
      if (p === '-') {
        if (stdinRead) {
          inputs.push({
            path: p,
            error: { code: 'input', message: 'standard input given twice', hint: HINT },
          });
          continue;
        }
        stdinRead = true;
        const bytes = await reader.readStdin();
        inputs.push({ raw: { path: p, bytes, sha256: sha256Hex(bytes) } });
        continue;
      }
      const k = await reader.kind(p);
      if (k === 'missing') {
        inputs.push({ path: p, error: { code: 'input', message: 'file not found', hint: HINT } });
      } else if (k === 'dir') {
        inputs.push({
          path: p,
          error: {
            code: 'input',
            message: 'is a directory',
            hint: 'pass each Kubescape JSON file with its own --kubescape',
          },
        });
      } else if (k === 'other') {
        inputs.push({ path: p, error: { code: 'input', message: 'not a regular file' } });
      } else {
        const bytes = await reader.readFile(p);
        inputs.push({ raw: { path: p, bytes, sha256: sha256Hex(bytes) } });
      }
    } catch (err) {
      inputs.push({ path: p, error: { code: 'input', message: `cannot read: ${(err as Error).message}` } });
    }
  }
  return { inputs };
}
