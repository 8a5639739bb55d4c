/**
 * Label and field selectors with the API server's grammar (equality, set-based and existence
 * requirements, comma-separated = AND). Used by the snapshot reader and the test API server.
 */
import { InputError } from '../errors.ts';

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** Splits on commas that are not inside parentheses. */
function splitTerms(sel: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of sel) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** Parses a label selector; throws InputError (file `labelSelector`) on bad syntax. */
export function parseLabelSelector(sel: string): Requirement[] {
  return splitTerms(sel).map((term) => {
    let m = /^(\S+?)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) return { op: m[2] as 'in' | 'notin', key: m[1]!, values: m[3]!.split(',').map((v) => v.trim()) };
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) return { op: m[2] === '!=' ? 'neq' : 'eq', key: m[1]!, value: m[3]! };
    m = /^(!?)([^=!\s()]+)$/.exec(term);
    if (m) return { op: m[1] ? 'notexists' : 'exists', key: m[2]! };
    throw new InputError('labelSelector', `cannot parse requirement "${term}"`);
  });
}

/** Parses a field selector (`metadata.name=x,status.phase!=Running`). */
export function parseFieldSelector(sel: string): Requirement[] {
  return splitTerms(sel).map((term) => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new InputError('fieldSelector', `cannot parse requirement "${term}"`);
    return { op: m[2] === '!=' ? 'neq' : 'eq', key: m[1]!, value: m[3]!.trim() };
  });
}

function test(req: Requirement, lookup: (key: string) => string | undefined): boolean {
  const v = lookup(req.key);
  switch (req.op) {
    case 'eq':
      return v === req.value;
    case 'neq':
      return v !== req.value;
    case 'in':
      return v !== undefined && req.values.includes(v);
    case 'notin':
      return v === undefined || !req.values.includes(v);
    case 'exists':
      return v !== undefined;
    case 'notexists':
      return v === undefined;
  }
}

/** True when `labels` satisfy every requirement of the selector. */
export function matchesLabels(sel: string | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel) return true;
  return parseLabelSelector(sel).every((req) => test(req, (k) => labels?.[k]));
}

/** True when the object's dotted field paths satisfy the field selector (missing field = ''). */
export function matchesFields(sel: string | undefined, obj: unknown): boolean {
  if (!sel) return true;
  return parseFieldSelector(sel).every((req) =>
    test(req, (path) => {
      let cur: unknown = obj;
      for (const part of path.split('.')) {
        cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
      }
      if (typeof cur === 'string') return cur;
      return typeof cur === 'number' || typeof cur === 'boolean' ? String(cur) : '';
    }),
  );
}
