/**
 * Evidence bundle: `manifest.json` (+ `manifest.sig`) sealing a run's artifacts, and `kubeproof verify`.
 * See docs/audit-trail.md.
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { Artifact, BundleRef, ReportModel } from '../model/types.ts';
import { sha256Hex } from '../util/hash.ts';
import type { Config } from '../config/schema.ts';
import type { KubeproofError } from '../errors.ts';
import type { Logger } from '../util/log.ts';
import { fingerprint, publicKeyPem, readSigningKey, signBytes } from './keys.ts';
import { buildManifest, MANIFEST_FILE, serializeManifest, SIGNATURE_FILE } from './manifest.ts';

export * from './manifest.ts';
export * from './keys.ts';
export { verifyBundle, type VerifyResult, type VerifyOptions, type SignatureState } from './verify.ts';
export { loadBundleDir, loadBundleS3 } from './load.ts';

export interface Sealed {
  /** manifest.json, and manifest.sig when a key was given. */
  artifacts: Artifact[];
  /** What the email and the run summary cite. */
  bundle: BundleRef;
}

/** Seals the run's artifacts: builds manifest.json and signs it when `key` is given. Pure but for the signature. */
export function seal(model: ReportModel, artifacts: readonly Artifact[], key?: KeyObject): Sealed {
  const pub = key ? createPublicKey(key) : undefined;
  const signer = pub ? { keyFingerprint: fingerprint(pub), publicKeyPem: publicKeyPem(pub) } : undefined;
  const bytes = serializeManifest(buildManifest(model, artifacts, signer));
  const out: Artifact[] = [{ filename: MANIFEST_FILE, mediaType: 'application/json', body: bytes }];
  if (key)
    out.push({ filename: SIGNATURE_FILE, mediaType: 'text/plain', body: signBytes(bytes, key) + '\n' });
  return {
    artifacts: out,
    bundle: {
      manifestSha256: sha256Hex(bytes),
      ...(signer ? { keyFingerprint: signer.keyFingerprint } : {}),
    },
  };
}

/**
 * RunDeps.seal from the configuration: signs with `signing.keyFile` when set. A key that cannot be used is
 * an error-level problem and the manifest is written unsigned (never silently: the run exits 2).
 */
export function sealStep(
  log: Logger,
): (
  model: ReportModel,
  artifacts: Artifact[],
  cfg: Config,
) => Promise<Sealed & { problems: { severity: 'error' | 'warning'; message: string; hint?: string }[] }> {
  return async (model, artifacts, cfg) => {
    const problems: { severity: 'error' | 'warning'; message: string; hint?: string }[] = [];
    let key: KeyObject | undefined;
    if (cfg.signing.keyFile) {
      try {
        key = await readSigningKey(cfg.signing.keyFile);
      } catch (err) {
        const e = err as KubeproofError;
        problems.push({
          severity: 'error',
          message: `${e.message}; manifest.json written unsigned`,
          ...(e.hint ? { hint: e.hint } : {}),
        });
      }
    }
    const sealed = seal(model, artifacts, key);
    log.info(`evidence bundle: manifest.json ${sealed.bundle.manifestSha256}`, {
      signed: sealed.bundle.keyFingerprint ?? 'no',
    });
    return { ...sealed, problems };
  };
}

/**
 * The line the HTML/PDF cover shows about the bundle. It cannot cite the manifest's hash (the manifest hashes
 * the rendering), so it names the report id the manifest records and how to check (docs/audit-trail.md).
 */
export function coverIntegrityLine(model: Pick<ReportModel, 'reportId'>): string {
  return (
    `Integrity: every file of report ${model.reportId} is listed with its SHA-256 in manifest.json beside it ` +
    '(signed in manifest.sig when a signing key is configured); check them with `kubeproof verify <folder>`.'
  );
}
