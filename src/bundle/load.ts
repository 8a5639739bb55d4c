/** Loads a bundle's files from a directory or an S3 run folder (I/O for `kubeproof verify`). */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { parseS3Url, type ObjectStore } from '../history/s3.ts';

/** The regular files directly in `dir` (sub-folders such as history/ are not part of a bundle). */
export async function loadBundleDir(dir: string): Promise<Map<string, Uint8Array>> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new InputError(
      dir,
      `cannot read the directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      {
        hint: 'pass the folder a run wrote (--out), or an s3:// run folder',
      },
    );
  }
  const files = new Map<string, Uint8Array>();
  for (const e of entries.filter((x) => x.isFile()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    files.set(e.name, await readFile(path.join(dir, e.name)));
  }
  return files;
}

/**
 * The objects directly under an S3 run folder `s3://bucket/prefix/cluster/yyyy/mm/dd/runId`; when the URL
 * names a cluster folder holding latest.json, its newest run.
 */
export async function loadBundleS3(
  url: string,
  store: ObjectStore,
): Promise<{ files: Map<string, Uint8Array>; location: string }> {
  const { bucket, prefix } = parseS3Url(url);
  let runKey = prefix === '' ? '' : `${prefix}/`;
  let listing = await store.list(bucket, runKey, '/');
  if (!listing.keys.some((k) => k.endsWith('/manifest.json') || k === 'manifest.json')) {
    const latest = await store.get(bucket, `${runKey}latest.json`);
    if (latest) {
      try {
        const ptr = JSON.parse(latest.toString('utf8')) as { runKey?: unknown };
        if (typeof ptr.runKey === 'string') {
          runKey = ptr.runKey;
          listing = await store.list(bucket, runKey, '/');
        }
      } catch {
        // not a pointer: verify the folder as given (it will report the missing manifest)
      }
    }
  }
  const files = new Map<string, Uint8Array>();
  for (const key of listing.keys) {
    const name = key.slice(runKey.length);
    if (name === '' || name.includes('/')) continue;
    const body = await store.get(bucket, key);
    if (body) files.set(name, body);
  }
  if (files.size === 0) {
    throw new InputError(url, 'no objects there', {
      hint: 'pass a run folder s3://bucket/prefix/cluster/yyyy/mm/dd/runId (or a cluster folder with latest.json)',
    });
  }
  return { files, location: `s3://${bucket}/${runKey}` };
}
