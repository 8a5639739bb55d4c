/**
 * The evidence bundle's manifest: every artifact a run produced (report.json and each rendering) with its
 * SHA-256 and size, the raw inputs' hashes as recorded in `runs[].inputs`, and the tool and mapping
 * versions. Signed with Ed25519 over the exact bytes of manifest.json (manifest.sig, base64).
 * Pure; see docs/audit-trail.md for what it proves and why report.json cannot cite it.
 */
import { z } from 'zod';
import type { Artifact, ReportModel } from '../model/types.ts';
import { sha256Hex } from '../util/hash.ts';

export const MANIFEST_SCHEMA = 'kubeproof.manifest/v1';
export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';
/** Files that may sit beside a bundle without being listed in it (receipts are written after delivery). */
export const UNLISTED_OK = [MANIFEST_FILE, SIGNATURE_FILE, 'deliveries.json'] as const;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

export const manifestSchema = z.looseObject({
  schema: z.literal(MANIFEST_SCHEMA),
  reportId: z.string(),
  generatedAt: z.string(),
  cluster: z.string(),
  tool: z.looseObject({ name: z.string(), version: z.string() }),
  mappings: z.looseObject({ version: z.string(), sha256: z.string() }),
  artifacts: z.array(
    z.looseObject({
      filename: z.string().min(1),
      mediaType: z.string(),
      bytes: z.number().int().min(0),
      sha256,
    }),
  ),
  inputs: z.array(
    z.looseObject({
      source: z.string(),
      path: z.string(),
      sha256: sha256.optional(),
      bytes: z.number().optional(),
      format: z.string().optional(),
    }),
  ),
  signature: z
    .looseObject({
      algorithm: z.literal('ed25519'),
      keyFingerprint: z.string(),
      /** The signer's public key (SPKI PEM), so a bundle can be checked without it: integrity, not origin. */
      publicKey: z.string(),
      file: z.literal(SIGNATURE_FILE),
    })
    .nullable(),
});
export type Manifest = z.infer<typeof manifestSchema>;

export interface SignerInfo {
  keyFingerprint: string;
  publicKeyPem: string;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Builds the manifest of a run's artifacts (the manifest and signature files themselves excluded). */
export function buildManifest(
  model: ReportModel,
  artifacts: readonly Artifact[],
  signer?: SignerInfo,
): Manifest {
  const listed = artifacts
    .filter((a) => a.filename !== MANIFEST_FILE && a.filename !== SIGNATURE_FILE)
    .map((a) => {
      const bytes = typeof a.body === 'string' ? Buffer.from(a.body, 'utf8') : a.body;
      return {
        filename: a.filename,
        mediaType: a.mediaType,
        bytes: bytes.byteLength,
        sha256: sha256Hex(bytes),
      };
    })
    .sort((a, b) => cmp(a.filename, b.filename));
  const inputs = model.runs
    .flatMap((r) =>
      r.inputs.map((i) => ({
        source: r.source,
        path: i.path,
        ...(i.sha256 ? { sha256: i.sha256 } : {}),
        ...(i.bytes !== undefined ? { bytes: i.bytes } : {}),
        ...(i.format ? { format: i.format } : {}),
      })),
    )
    .sort((a, b) => cmp(a.source, b.source) || cmp(a.path, b.path));
  return {
    schema: MANIFEST_SCHEMA,
    reportId: model.reportId,
    generatedAt: model.generatedAt,
    cluster: model.cluster.name,
    tool: { name: model.tool.name, version: model.tool.version },
    mappings: { version: model.mappings.version, sha256: model.mappings.sha256 },
    artifacts: listed,
    inputs,
    signature: signer
      ? {
          algorithm: 'ed25519',
          keyFingerprint: signer.keyFingerprint,
          publicKey: signer.publicKeyPem,
          file: SIGNATURE_FILE,
        }
      : null,
  };
}

/** The exact bytes written to manifest.json (and signed). */
export function serializeManifest(m: Manifest): Buffer {
  return Buffer.from(JSON.stringify(m, null, 2) + '\n', 'utf8');
}
