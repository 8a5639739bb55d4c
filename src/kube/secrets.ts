/**
 * Secret values never stay in memory past parsing: every Secret read from the API or a snapshot has the
 * values of `data` and `stringData` (and the last-applied-configuration annotation, which repeats them)
 * replaced by `[REDACTED]`. Keys are kept: which keys a Secret has is evidence, their values are not.
 */
import type { KubeObject } from './types.ts';

export const REDACTED = '[REDACTED]';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function redactMap(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v === undefined ? undefined : REDACTED;
  return Object.fromEntries(Object.keys(v).map((k) => [k, REDACTED]));
}

/** Returns the object with secret values replaced (the input is modified in place and returned). */
export function scrubSecret(obj: KubeObject): KubeObject {
  if (obj.kind !== 'Secret') return obj;
  if ('data' in obj) obj['data'] = redactMap(obj['data']);
  if ('stringData' in obj) obj['stringData'] = redactMap(obj['stringData']);
  const ann = obj.metadata.annotations;
  if (ann && typeof ann === 'object' && LAST_APPLIED in ann) ann[LAST_APPLIED] = REDACTED;
  return obj;
}
