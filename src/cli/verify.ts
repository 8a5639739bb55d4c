import type { KeyObject } from 'node:crypto';
import {
  loadBundleDir,
  loadBundleS3,
  readPublicKey,
  verifyBundle,
  type VerifyResult,
} from '../bundle/index.ts';
import { readFile } from 'node:fs/promises';
import { InputError, UsageError } from '../errors.ts';
import { openS3 } from '../history/index.ts';

/** Exit code of `kubeproof verify` when the bundle does not verify (0 = sound; 2 = bad usage or input). */
export const VERIFY_FAILED = 5;

/**
 * `kubeproof verify DIR | s3://bucket/prefix/cluster[/yyyy/mm/dd/runId]`: checks every hash of the evidence
 * bundle and its signature. Exit 0 when sound (warnings printed), 5 when not, with the list of mismatches.
 */
export async function verifyCommand(target: string, opts: Record<string, unknown>): Promise<number> {
  const output = (opts['output'] as string | undefined) ?? 'text';
  if (output !== 'text' && output !== 'json')
    throw new UsageError(`--output: expected text or json, got "${output}"`);
  const keyFile = opts['publicKey'] as string | undefined;
  const publicKey: KeyObject | undefined = keyFile ? await readPublicKey(keyFile) : undefined;
  let files: Map<string, Uint8Array>;
  let location = target;
  if (target.startsWith('s3://')) {
    const store = await openS3({
      endpoint: opts['s3Endpoint'] as string | undefined,
      region: opts['s3Region'] as string | undefined,
      pathStyle: opts['s3PathStyle'] === true,
    });
    try {
      ({ files, location } = await loadBundleS3(target, store));
    } finally {
      store.close();
    }
  } else {
    files = await loadBundleDir(target);
  }
  const inputs: { name: string; bytes: Uint8Array }[] = [];
  for (const f of (opts['input'] as string[] | undefined) ?? []) {
    try {
      inputs.push({ name: f, bytes: await readFile(f) });
    } catch (err) {
      throw new InputError(f, `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  const r = verifyBundle(files, { ...(publicKey ? { publicKey } : {}), inputs });
  if (output === 'json') {
    const { manifest, ...rest } = r;
    process.stdout.write(
      JSON.stringify(
        {
          location,
          ...rest,
          ...(manifest ? { reportId: manifest.reportId, cluster: manifest.cluster } : {}),
        },
        null,
        2,
      ) + '\n',
    );
  } else process.stdout.write(verifyText(r, location));
  return r.ok ? 0 : VERIFY_FAILED;
}

/** The human report of a verification. */
export function verifyText(r: VerifyResult, location: string): string {
  const lines = [`kubeproof verify ${location}`];
  const m = r.manifest;
  if (m) {
    lines.push(
      `  report ${m.reportId} · cluster ${m.cluster} · generated ${m.generatedAt} · ${m.tool.name} ${m.tool.version} · mappings ${m.mappings.version}`,
      `  manifest.json SHA-256 ${r.manifestSha256}`,
      `  ${m.inputs.length} raw input${m.inputs.length === 1 ? '' : 's'} recorded by hash (not bundled)`,
    );
  }
  const sig: Record<VerifyResult['signature'], string> = {
    valid: `valid, signed by ${r.keyFingerprint}`,
    'self-signed': `self-signed by ${r.keyFingerprint} (embedded key)`,
    unsigned: 'none (unsigned manifest)',
    invalid: 'INVALID',
  };
  lines.push(`  signature: ${sig[r.signature]}`);
  const n = (s: string): number => r.files.filter((f) => f.status === s).length;
  lines.push(`  files: ${n('ok')} ok, ${n('mismatch')} changed, ${n('missing')} missing`);
  for (const i of r.inputs)
    if (i.status === 'ok') lines.push(`  input ${i.name}: matches ${i.matches.join(', ')}`);
  for (const e of r.errors) lines.push(`  ERROR   ${e}`);
  for (const w of r.warnings) lines.push(`  warning ${w}`);
  lines.push(
    r.ok ? '  result: OK' : `  result: FAILED (${r.errors.length} error${r.errors.length === 1 ? '' : 's'})`,
  );
  return lines.join('\n') + '\n';
}
