import { createHash } from 'node:crypto';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Short stable id from parts: the first 16 hex digits of SHA-256 over the parts joined by NUL. */
export function stableId(prefix: string, ...parts: (string | undefined)[]): string {
  return `${prefix}-${sha256Hex(parts.map((p) => p ?? '').join('\u0000')).slice(0, 16)}`;
}
