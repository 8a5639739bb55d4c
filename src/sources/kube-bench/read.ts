/**
 * kube-bench inputs: the only I/O of this source. Reading never throws for one bad input: each
 * input becomes either bytes or an error, so normalize() can keep the others (partial run).
 *
 * Input forms (the `--kube-bench` values, repeatable):
 * - `PATH`: a file; the node is taken from its name (`kube-bench-<node>.json`, `kube-bench_<node>.txt`),
 *   else the node is unknown and named after the file.
 * - `NODE=PATH`: a file for an explicit node (`worker-1=/tmp/kb.json`, `worker-1=-` for stdin). NODE must
 *   be a valid Kubernetes node name; a path that contains `=` can be given as `./a=b.json`.
 * - `DIR`: every regular `*.json`, `*.txt`, `*.log` file in it (not recursive), sorted by name; the node is
 *   the file name without the extension (and without a `kube-bench-` prefix): `nodes/worker-1.json`.
 * - `-`: standard input (node unknown unless given as `NODE=-`).
 * The format (JSON layouts or text) is detected from content, never from the extension.
 */
import path from 'node:path';
import { sha256Hex } from '../../util/hash.ts';
import { fsInputReader, type InputFileReader } from '../input-files.ts';
import type { RawInput } from '../types.ts';

export type NodeSource = 'explicit' | 'filename' | 'unknown';

export interface KubeBenchInputOk {
  spec: string;
  raw: RawInput;
  node: string;
  nodeSource: NodeSource;
}

export interface KubeBenchInputError {
  spec: string;
  /** The file (or `-`) the error is about. */
  path: string;
  /** `message` does not repeat the path. */
  error: { code: string; message: string; hint?: string };
}

export type KubeBenchInput = KubeBenchInputOk | KubeBenchInputError;

/** What read() hands to normalize(). */
export interface KubeBenchRaw {
  inputs: KubeBenchInput[];
}

/** The file system and stdin, injectable for tests. */
export type KubeBenchReader = InputFileReader;

export const fsReader: KubeBenchReader = fsInputReader('kube-bench output');

const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DIR_EXT = /\.(json|txt|log)$/i;

export interface ParsedSpec {
  path: string;
  node?: string;
}

/** Splits `NODE=PATH`; anything else is a plain path. */
export function parseInputSpec(spec: string): ParsedSpec {
  const eq = spec.indexOf('=');
  if (eq > 0) {
    const node = spec.slice(0, eq);
    const p = spec.slice(eq + 1);
    if (NODE_NAME.test(node) && p !== '') return { path: p, node };
  }
  return { path: spec };
}

/**
 * Node name from a file name: `kube-bench-worker-1.json` → `worker-1`. In a directory input every
 * file names its node (`worker-1.json` → `worker-1`); a lone file without the prefix names none.
 */
export function nodeFromFilename(file: string, inDirectory: boolean): string | undefined {
  const base = path.basename(file).replace(/\.[a-z]+$/i, '');
  const m = /^kube-?bench[-_.](.+)$/i.exec(base);
  const candidate = m ? m[1] : inDirectory ? base : undefined;
  if (!candidate) return undefined;
  const lower = candidate.toLowerCase();
  return NODE_NAME.test(lower) ? lower : undefined;
}

function unknownNode(p: string): string {
  return `unknown (${p === '-' ? 'stdin' : p})`;
}

async function readOne(
  reader: KubeBenchReader,
  spec: string,
  p: string,
  node: string | undefined,
  inDirectory: boolean,
): Promise<KubeBenchInput> {
  try {
    const bytes = p === '-' ? await reader.readStdin() : await reader.readFile(p);
    const fromName = node ? undefined : p === '-' ? undefined : nodeFromFilename(p, inDirectory);
    return {
      spec,
      raw: { path: p, bytes, sha256: sha256Hex(bytes) },
      node: node ?? fromName ?? unknownNode(p),
      nodeSource: node ? 'explicit' : fromName ? 'filename' : 'unknown',
    };
  } catch (err) {
    return { spec, path: p, error: { code: 'input', message: `cannot read: ${(err as Error).message}` } };
  }
}

/** Reads every input; errors are recorded per input, never thrown. Order follows the specs. */
export async function readInputs(
  specs: readonly string[],
  reader: KubeBenchReader = fsReader,
): Promise<KubeBenchRaw> {
  const inputs: KubeBenchInput[] = [];
  for (const spec of specs) {
    const { path: p, node } = parseInputSpec(spec);
    if (p === '-') {
      inputs.push(await readOne(reader, spec, p, node, false));
      continue;
    }
    let k: Awaited<ReturnType<KubeBenchReader['kind']>>;
    try {
      k = await reader.kind(p);
    } catch (err) {
      inputs.push({
        spec,
        path: p,
        error: { code: 'input', message: `cannot read: ${(err as Error).message}` },
      });
      continue;
    }
    if (k === 'missing') {
      inputs.push({
        spec,
        path: p,
        error: {
          code: 'input',
          message: 'file not found',
          hint: 'check the path given to --kube-bench (use - to read standard input)',
        },
      });
    } else if (k === 'dir') {
      const names = (await reader.readDir(p)).filter((n) => DIR_EXT.test(n)).sort();
      if (names.length === 0) {
        inputs.push({
          spec,
          path: p,
          error: {
            code: 'input',
            message: 'directory has no .json, .txt or .log file',
            hint: 'put one kube-bench output per node in it, named <node>.json',
          },
        });
      }
      for (const n of names) {
        const fp = path.join(p, n);
        if ((await reader.kind(fp)) === 'file') inputs.push(await readOne(reader, spec, fp, undefined, true));
      }
    } else if (k === 'other') {
      inputs.push({ spec, path: p, error: { code: 'input', message: 'not a regular file' } });
    } else {
      inputs.push(await readOne(reader, spec, p, node, false));
    }
  }
  return { inputs };
}
