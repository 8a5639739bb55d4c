/**
 * Error scrubbing for receipts and log lines: known secrets (and their base64 forms, as SMTP AUTH
 * sends them) are replaced, then the generic credential patterns of src/util/redact.ts apply.
 */
import { redactText } from '../util/redact.ts';

/** Every spelling of a secret that could leak into an error message. */
function spellings(secret: string): string[] {
  const out = new Set<string>([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]);
  return [...out].filter((s) => s.length >= 3);
}

/** Replaces each secret (and derived spellings) in text, then applies generic redaction. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  const all = secrets.filter((s) => s.length > 0).flatMap(spellings);
  // longest first, so a secret containing another is replaced whole
  for (const s of all.sort((a, b) => b.length - a.length)) out = out.split(s).join('[REDACTED]');
  return redactText(out);
}

/** The message of an unknown thrown value, single-line, scrubbed and capped. */
export function scrubError(err: unknown, secrets: readonly string[]): string {
  const raw = err instanceof Error ? err.message : String(err);
  // scrub before capping: a cut could leave a secret's prefix that no longer matches
  const clean = scrubText(raw, secrets).replace(/\s+/g, ' ').trim();
  return clean.length > 500 ? `${clean.slice(0, 500)}…` : clean;
}
