/**
 * Checks an evidence bundle: pure over the bundle's files (name → bytes). Every artifact listed in the
 * manifest must be present with the listed size and SHA-256; the signature must verify over manifest.json.
 * Errors make the bundle fail; warnings (an extra file the manifest does not list, a self-signed or an
 * unsigned manifest) do not, but are always printed.
 */
import type { KeyObject } from 'node:crypto';
import { sha256Hex } from '../util/hash.ts';
import { formatIssues } from '../util/zod-issues.ts';
import { fingerprint, parsePublicKey, verifyBytes } from './keys.ts';
import { MANIFEST_FILE, manifestSchema, SIGNATURE_FILE, UNLISTED_OK, type Manifest } from './manifest.ts';
import { jsonErrorMessage } from '../util/json-error.ts';

export type SignatureState = 'valid' | 'self-signed' | 'unsigned' | 'invalid';

export interface VerifyResult {
  /** True when there is no error (warnings allowed). */
  ok: boolean;
  signature: SignatureState;
  manifest?: Manifest;
  manifestSha256?: string;
  keyFingerprint?: string;
  files: { filename: string; status: 'ok' | 'mismatch' | 'missing' }[];
  /** Raw input files given to check (`--input`), and which recorded input each one matched. */
  inputs: { name: string; status: 'ok' | 'unknown'; matches: string[] }[];
  errors: string[];
  warnings: string[];
}

export interface VerifyOptions {
  /** The expected signer. Without it, the embedded key is used: integrity, not origin. */
  publicKey?: KeyObject;
  /** Raw inputs to check against the hashes the manifest records (they are not part of the bundle). */
  inputs?: { name: string; bytes: Uint8Array }[];
}

export function verifyBundle(files: ReadonlyMap<string, Uint8Array>, opts: VerifyOptions = {}): VerifyResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const result = (extra: Partial<VerifyResult>): VerifyResult => ({
    ok: errors.length === 0,
    signature: 'invalid',
    files: [],
    inputs: [],
    errors,
    warnings,
    ...extra,
  });
  const raw = files.get(MANIFEST_FILE);
  if (!raw) {
    errors.push(`${MANIFEST_FILE} is missing: this is not an evidence bundle, or it was removed`);
    return result({});
  }
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch (err) {
    errors.push(`${MANIFEST_FILE}: not valid JSON (${jsonErrorMessage(err)})`);
    return result({});
  }
  const parsed = manifestSchema.safeParse(data);
  if (!parsed.success) {
    errors.push(
      `${MANIFEST_FILE}: not a kubeproof manifest: ${formatIssues(parsed.error, '', 3).replace(/\n/g, '; ')}`,
    );
    return result({});
  }
  const manifest = parsed.data;
  const manifestSha256 = sha256Hex(raw);

  // every listed artifact: present, same size, same hash
  const listed = new Set<string>();
  const checked: VerifyResult['files'] = [];
  for (const a of manifest.artifacts) {
    listed.add(a.filename);
    const body = files.get(a.filename);
    if (!body) {
      errors.push(`${a.filename}: missing (listed in the manifest)`);
      checked.push({ filename: a.filename, status: 'missing' });
      continue;
    }
    const got = sha256Hex(body);
    if (got !== a.sha256 || body.byteLength !== a.bytes) {
      errors.push(
        `${a.filename}: content differs from the manifest (SHA-256 ${got.slice(0, 16)}…, ${body.byteLength} bytes; manifest ${a.sha256.slice(0, 16)}…, ${a.bytes} bytes)`,
      );
      checked.push({ filename: a.filename, status: 'mismatch' });
    } else checked.push({ filename: a.filename, status: 'ok' });
  }
  for (const name of [...files.keys()].sort()) {
    if (!listed.has(name) && !(UNLISTED_OK as readonly string[]).includes(name)) {
      warnings.push(
        `${name}: not listed in the manifest (not covered by it; an earlier run's file, or added later)`,
      );
    }
  }

  // raw inputs the user holds: each must be one the run recorded
  const inputs: VerifyResult['inputs'] = [];
  for (const i of opts.inputs ?? []) {
    const h = sha256Hex(i.bytes);
    const matches = manifest.inputs.filter((r) => r.sha256 === h).map((r) => `${r.source} ${r.path}`);
    if (matches.length === 0) {
      errors.push(
        `input ${i.name}: its SHA-256 ${h.slice(0, 16)}… is none of the ${manifest.inputs.filter((r) => r.sha256).length} input hashes the manifest records`,
      );
    }
    inputs.push({ name: i.name, status: matches.length > 0 ? 'ok' : 'unknown', matches });
  }

  // the signature
  let signature: SignatureState;
  let keyFingerprint: string | undefined;
  const sigFile = files.get(SIGNATURE_FILE);
  if (!manifest.signature) {
    if (opts.publicKey) {
      errors.push(
        `the manifest is unsigned, but a signature by ${fingerprint(opts.publicKey)} was expected (--public-key)`,
      );
      signature = 'invalid';
    } else {
      warnings.push(
        'unsigned manifest: the hashes detect corruption, not tampering (whoever can change a file can rewrite manifest.json); sign with --signing-key',
      );
      signature = 'unsigned';
    }
    if (sigFile) warnings.push(`${SIGNATURE_FILE} is present but the manifest names no signing key; ignored`);
  } else if (!sigFile) {
    errors.push(
      `${SIGNATURE_FILE} is missing (the manifest says it is signed by ${manifest.signature.keyFingerprint})`,
    );
    signature = 'invalid';
  } else {
    const declared = manifest.signature.keyFingerprint;
    let key: KeyObject | undefined = opts.publicKey;
    if (key) {
      const fp = fingerprint(key);
      if (fp !== declared)
        errors.push(`the manifest is signed by ${declared}, not by the expected key ${fp}`);
    } else {
      try {
        key = parsePublicKey(manifest.signature.publicKey, `${MANIFEST_FILE}: signature.publicKey`);
        if (fingerprint(key) !== declared) {
          errors.push(
            `${MANIFEST_FILE}: the embedded public key does not match its declared fingerprint ${declared}`,
          );
        }
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    keyFingerprint = declared;
    const valid = key ? verifyBytes(raw, Buffer.from(sigFile).toString('utf8'), key) : false;
    if (!valid) {
      errors.push(
        `${SIGNATURE_FILE}: the signature does not verify over ${MANIFEST_FILE} (the manifest or the signature was changed)`,
      );
      signature = 'invalid';
    } else if (opts.publicKey) {
      signature = errors.length === 0 ? 'valid' : 'invalid';
    } else {
      signature = 'self-signed';
      warnings.push(
        `self-signed: the signature was checked with the key embedded in the manifest (${declared}); this proves integrity, not origin. Pass --public-key to check who signed it`,
      );
    }
  }
  return result({
    signature,
    manifest,
    manifestSha256,
    files: checked,
    inputs,
    ...(keyFingerprint ? { keyFingerprint } : {}),
  });
}
