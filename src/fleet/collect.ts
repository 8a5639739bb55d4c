/** Finding the reports a fleet is built from: folders (walked) and S3 prefixes (one latest.json per cluster). */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseS3Url, type ObjectStore } from '../history/s3.ts';
import { readLocalReport, readS3Report, type LocatedReport } from '../history/read.ts';

export interface Collected {
  reports: LocatedReport[];
  problems: { from: string; message: string }[];
}

const MAX_DEPTH = 6;

/**
 * Every `report.json` under a folder (or the file itself), at most 6 levels deep; history/ summaries and
 * dot-folders are skipped. Unreadable reports are problems, not failures of the whole fleet.
 */
export async function collectDir(root: string): Promise<Collected> {
  const out: Collected = { reports: [], problems: [] };
  const visit = async (p: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(p, { withFileTypes: true });
    } catch (err) {
      out.problems.push({
        from: p,
        message: `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      });
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(p, e.name);
      if (e.isFile() && e.name === 'report.json') await add(full);
      else if (e.isDirectory() && depth < MAX_DEPTH && e.name !== 'history' && !e.name.startsWith('.'))
        await visit(full, depth + 1);
    }
  };
  const add = async (file: string): Promise<void> => {
    try {
      const r = await readLocalReport(file);
      if (r) out.reports.push(r);
    } catch (err) {
      out.problems.push({ from: file, message: (err as Error).message });
    }
  };
  if (root.endsWith('.json')) await add(root);
  else await visit(root, 0);
  if (out.reports.length === 0 && out.problems.length === 0)
    out.problems.push({ from: root, message: 'no report.json found' });
  return out;
}

/**
 * The latest report of every cluster under `s3://bucket/prefix`: each `{prefix}/{cluster}/latest.json`
 * (the layout of S3 delivery), or the prefix's own latest.json when it names one cluster.
 */
export async function collectS3(url: string, store: ObjectStore): Promise<Collected> {
  const out: Collected = { reports: [], problems: [] };
  const { bucket, prefix } = parseS3Url(url);
  const base = prefix === '' ? '' : `${prefix}/`;
  const tryOne = async (folder: string): Promise<boolean> => {
    const where = `s3://${bucket}/${folder}latest.json`;
    try {
      const r = await readS3Report(where, store);
      if (!r) return false;
      out.reports.push(r);
    } catch (err) {
      out.problems.push({ from: where, message: (err as Error).message });
    }
    return true;
  };
  if (await tryOne(base)) return out;
  const { prefixes } = await store.list(bucket, base, '/');
  for (const p of prefixes) {
    if (!(await tryOne(p)))
      out.problems.push({
        from: `s3://${bucket}/${p}`,
        message: 'no latest.json (no complete run was delivered there)',
      });
  }
  if (prefixes.length === 0) out.problems.push({ from: url, message: 'no cluster folders found' });
  return out;
}
