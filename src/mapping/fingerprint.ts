import { sha256Hex } from '../util/hash.ts';

/**
 * Fingerprint of a kube-bench check text, so a check can be identified by its text when the
 * benchmark version is unknown, without kubeproof shipping the (CIS-copyrighted) text itself.
 * Normalisation: lower case; drop the (Manual)/(Automated)/(Scored)/(Not Scored) suffixes;
 * every run of non-alphanumeric characters becomes one space; trimmed. Result: 12 hex digits.
 */
export function textFingerprint(text: string): string {
  const norm = text
    .toLowerCase()
    .replace(/\((manual|automated|scored|not scored)\)/g, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  return sha256Hex(norm).slice(0, 12);
}
