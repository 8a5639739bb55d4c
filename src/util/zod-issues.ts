import type { z } from 'zod';

/** Formats a path like `controls[3].id` from zod's issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** One line per issue: `<prefix><path>: <message>`, at most `max` lines. */
export function formatIssues(error: z.ZodError, prefix = '', max = 10): string {
  const lines = error.issues.slice(0, max).map((i) => {
    const p = formatPath(prefix ? [prefix, ...i.path] : i.path);
    return `${p || '(root)'}: ${describeIssue(i)}`;
  });
  if (error.issues.length > max) lines.push(`… and ${error.issues.length - max} more`);
  return lines.join('\n');
}

function describeIssue(i: z.core.$ZodIssue): string {
  if ((i.code === 'invalid_type' || i.code === 'invalid_union') && i.input === undefined)
    return 'required, but missing';
  if (i.code === 'invalid_type') {
    return `expected ${i.expected}, got ${receivedType(i.input)}`;
  }
  if (i.code === 'unrecognized_keys')
    return `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
  if (i.code === 'invalid_value')
    return `must be one of ${i.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return i.message;
}

function receivedType(v: unknown): string {
  if (v === undefined) return 'nothing (field missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
