import type { Artifact, ReportModel } from '../model/types.ts';
import type { Renderer } from './types.ts';

/**
 * report.json: the model itself, 2-space indented, keys in the order the builder wrote them, final newline.
 * The body is the UTF-8 bytes, made once: hashing, the bundle manifest, the local copy and the uploads all
 * use them as they are.
 */
export function renderJson(model: ReportModel): Artifact {
  return { filename: 'report.json', mediaType: 'application/json', body: stringifyIndented(model) };
}

export const jsonRenderer: Renderer = { format: 'json', render: (model) => renderJson(model) };

/**
 * Containers this shallow (the model and its top-level arrays) are written member by member; each
 * finding, evidence record or framework is one JSON.stringify. Measured on a 37 MB report: depth 2
 * takes what one JSON.stringify takes (about 240 ms, encoding and hashing included); splitting deeper
 * costs more calls than it saves (300 ms at depth 3, 355 ms at depth 4), and depth 1 leaves the
 * arrays whole (360 ms).
 */
const SPLIT_DEPTH = 2;
/** Text gathered before it is encoded into one chunk of the output. */
const CHUNK_CHARS = 1 << 20;

/**
 * The bytes of `JSON.stringify(value, null, 2) + '\n'`, written in pieces: the outer containers member by
 * member, everything at SPLIT_DEPTH by JSON.stringify itself, re-indented. One JSON.stringify of a large
 * report builds the whole text in the heap twice over (its parts, then the flat string) before it can be
 * encoded; this way the heap holds about one CHUNK_CHARS of text at a time, and the work is the same.
 * Re-indenting by replacing newlines is exact: JSON.stringify escapes every control character inside
 * strings, so each newline in its output is layout.
 */
export function stringifyIndented(value: unknown): Buffer {
  const chunks: Buffer[] = [];
  let text = '';
  const put = (s: string): void => {
    text += s;
    if (text.length >= CHUNK_CHARS) {
      chunks.push(Buffer.from(text, 'utf8'));
      text = '';
    }
  };
  const top = prepare(value, '');
  // JSON.stringify gives undefined for these; a report is always an object, so this is only for completeness.
  if (omitted(top))
    throw new TypeError('stringifyIndented: nothing to write (undefined, a function or a symbol)');
  emit(top, '', 0, put);
  chunks.push(Buffer.from(`${text}\n`, 'utf8'));
  return Buffer.concat(chunks);
}

/** JSON.stringify leaves out object members with these values, and writes null for such array elements. */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/**
 * A member's value as JSON.stringify sees it before writing it: its `toJSON(key)` result when it has one,
 * and boxed numbers, strings and booleans unboxed. Read once, so a getter runs once, as in JSON.stringify.
 */
function prepare(v: unknown, key: string): unknown {
  if (typeof v === 'object' && v !== null) {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') v = (toJSON as (k: string) => unknown).call(v, key);
  }
  if (v instanceof Number) return Number(v);
  if (v instanceof String) return String(v);
  if (v instanceof Boolean) return v.valueOf();
  return v;
}

/** Writes a prepared value (see prepare); never an omitted one. */
function emit(v: unknown, indent: string, depth: number, put: (s: string) => void): void {
  if (depth < SPLIT_DEPTH && typeof v === 'object' && v !== null) {
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.length === 0) return put('[]');
      put('[\n');
      for (let i = 0; i < v.length; i++) {
        put(inner);
        const x = prepare(v[i], String(i));
        if (omitted(x)) put('null');
        else emit(x, inner, depth + 1, put);
        put(i < v.length - 1 ? ',\n' : '\n');
      }
      return put(`${indent}]`);
    }
    const o = v as Record<string, unknown>;
    const members: [string, unknown][] = [];
    for (const k of Object.keys(o)) {
      const x = prepare(o[k], k);
      if (!omitted(x)) members.push([k, x]);
    }
    if (members.length === 0) return put('{}');
    put('{\n');
    members.forEach(([k, x], i) => {
      put(`${inner}${JSON.stringify(k)}: `);
      emit(x, inner, depth + 1, put);
      put(i < members.length - 1 ? ',\n' : '\n');
    });
    return put(`${indent}}`);
  }
  const s = JSON.stringify(v, null, 2);
  put(indent === '' ? s : s.replaceAll('\n', `\n${indent}`));
}
