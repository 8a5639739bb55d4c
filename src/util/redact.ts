/**
 * Redaction: credentials never reach a report, a log line or an email. Applied to every log line,
 * to evidence excerpts, and to URLs shown as delivery targets.
 */

const SECRET_KEY =
  /(pass(word|wd)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|auth)/i;

/** Words that follow a flag mentioned in prose rather than a flag's value. */
const PROSE_AFTER_FLAG =
  /^(argument|arguments|parameter|parameters|flag|flags|option|options|setting|settings|value|values|is|are|was|were|not|to|as|set|and|or|of|in|on|should|must|with|for|the|a|an|true|false)[.,;:)]*$/i;

type Replacer = (match: string, ...groups: string[]) => string;

/** [pattern, replacement, cheap pre-check: the pattern cannot match when the text lacks this] */
const PATTERNS: [RegExp, Replacer, (t: string) => boolean][] = [
  // user:password@ in URLs
  [
    /([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi,
    (_m, scheme, user) => `${scheme}${user}:[REDACTED]@`,
    (t) => t.includes('://') && t.includes('@'),
  ],
  // Authorization headers: whatever follows the scheme
  [
    /\b(authorization\s*[:=]\s*["']?)(bearer|basic|token)?\s*[^\s"',]+/gi,
    (_m, lead, kind) => `${lead}${kind ? `${kind} ` : ''}[REDACTED]`,
    (t) => /authorization/i.test(t),
  ],
  // Bare scheme + credential: a credential has a digit and at least 12 characters, so prose such as
  // "basic authentication" or "bearer tokens" is left alone
  [
    /\b(bearer|basic)\s+(?=[A-Za-z0-9._~+/-]*\d)[A-Za-z0-9._~+/-]{12,}=*/gi,
    (_m, kind) => `${kind} [REDACTED]`,
    (t) => /bearer|basic/i.test(t),
  ],
  // JWTs
  [
    /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
    () => '[REDACTED-JWT]',
    (t) => t.includes('eyJ'),
  ],
  // --token=..., --password ..., token: "...", password="..." (flags and key/value pairs); a *-file flag
  // names a path, which is evidence, not a secret, and is kept.
  [
    /((?:--?|\b)[a-z0-9-]*?(?:password|passwd|token|secret|api-?key|access-?key)[a-z0-9-]*\s*[=:]\s*)(?:"[^"]*"|'[^']*'|[^\s",}&]+)/gi,
    (m, lead) => (/-(file|path|dir)\s*[=:]\s*$/i.test(lead) ? m : `${lead}[REDACTED]`),
    (t) => /pass|token|secret|key/i.test(t),
  ],
  // The same flags with the value after a space (`--password s3cret`, as `ps` shows a command line). Only
  // the `--flag` form, so prose ("password reset") is untouched; words that follow a flag named in prose
  // ("the --token argument is not set") are kept.
  [
    /(--?[a-z0-9-]*?(?:password|passwd|token|secret|api-?key|access-?key)[a-z0-9-]*[ \t]+)(?!-)("[^"]*"|'[^']*'|[^\s",}&]+)/gi,
    (m, lead, value) =>
      /-(file|path|dir)[ \t]+$/i.test(lead) || PROSE_AFTER_FLAG.test(value) || value.startsWith('[REDACTED')
        ? m
        : `${lead}[REDACTED]`,
    (t) => /-[a-z0-9-]*(pass|token|secret|key)/i.test(t),
  ],
  // AWS access key ids
  [
    /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g,
    () => '[REDACTED-AWS-KEY]',
    (t) => t.includes('AKIA') || t.includes('ASIA'),
  ],
  // PEM private keys
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
    () => '[REDACTED-PRIVATE-KEY]',
    (t) => t.includes('PRIVATE KEY'),
  ],
];

/** Redacts credentials found in free text. */
export function redactText(text: string): string {
  let out = text;
  for (const [re, rep, may] of PATTERNS) {
    if (may(out)) out = out.replace(re, rep as (substring: string, ...args: unknown[]) => string);
  }
  return out;
}

/** Deep-redacts a JSON value: values under secret-looking keys are replaced, strings are scanned. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 40) return '[TRUNCATED]';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (
        SECRET_KEY.test(k) &&
        (typeof v === 'string' || typeof v === 'number') &&
        !/file|path|ref|name|mode$/i.test(k)
      ) {
        out[k] = '[REDACTED]';
      } else if ((k === 'data' || k === 'stringData') && v && typeof v === 'object' && !Array.isArray(v)) {
        out[k] = Object.fromEntries(Object.keys(v).map((kk) => [kk, '[REDACTED]']));
      } else {
        out[k] = redactValue(v, depth + 1);
      }
    }
    return out;
  }
  return value;
}

/** Removes user info and query strings from a URL for display (`smtps://user:pw@h:465` → `smtps://h:465`). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return redactText(url);
  }
}
