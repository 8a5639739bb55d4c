/**
 * Ed25519 keys for the evidence bundle. The private key is a PKCS#8 PEM file (`--signing-key`,
 * KUBEPROOF_SIGNING_KEY_FILE; in the cluster a mounted Secret); its bytes never reach a log line or an
 * error message. Fingerprints are `SHA256:` + unpadded base64 of SHA-256 over the DER SubjectPublicKeyInfo
 * (the form `ssh-keygen -l` prints).
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError, InputError } from '../errors.ts';

const HOW =
  'generate one with `openssl genpkey -algorithm ed25519 -out signing.pem` (unencrypted PKCS#8 PEM)';

export function fingerprint(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** Parses a PEM private key; throws ConfigError (without the key's bytes) unless it is Ed25519. */
export function parseSigningKey(pem: string | Buffer, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new ConfigError(`${where}: not a usable PEM private key${code ? ` (${code})` : ''}`, HOW);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError(
      `${where}: the signing key is ${key.asymmetricKeyType ?? 'of an unknown type'}, expected ed25519`,
      HOW,
    );
  }
  return key;
}

/** Reads the signing key file. */
export async function readSigningKey(file: string): Promise<KeyObject> {
  let pem: Buffer;
  try {
    pem = await readFile(file);
  } catch (err) {
    throw new ConfigError(
      `--signing-key ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      HOW,
    );
  }
  return parseSigningKey(pem, `--signing-key ${file}`);
}

/** Parses a public key (SPKI PEM; a private key PEM is accepted and its public half used). */
export function parsePublicKey(pem: string | Buffer, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new InputError(where, `not a PEM public key${code ? ` (${code})` : ''}`, {
      hint: 'export it with `openssl pkey -in signing.pem -pubout -out signing.pub.pem`',
    });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new InputError(
      where,
      `the public key is ${key.asymmetricKeyType ?? 'of an unknown type'}, expected ed25519`,
    );
  }
  return key;
}

export async function readPublicKey(file: string): Promise<KeyObject> {
  let pem: Buffer;
  try {
    pem = await readFile(file);
  } catch (err) {
    throw new InputError(
      file,
      `cannot read the public key (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parsePublicKey(pem, file);
}

/** Ed25519 signature of `data`, base64. */
export function signBytes(data: Uint8Array, key: KeyObject): string {
  return sign(null, data, key).toString('base64');
}

/** True when `signatureB64` is a valid Ed25519 signature of `data` by `key`. */
export function verifyBytes(data: Uint8Array, signatureB64: string, key: KeyObject): boolean {
  const sig = Buffer.from(signatureB64.trim(), 'base64');
  if (sig.length !== 64) return false;
  try {
    return verify(null, data, key, sig);
  } catch {
    return false;
  }
}
