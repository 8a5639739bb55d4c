/**
 * Reading reports and latest.json pointers from bytes, files and S3 (shared by history, verify and fleet).
 * Parse, don't cast: a report is validated with the report.json schema, a pointer with its own schema.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { reportModelSchema } from '../model/schema.ts';
import type { ReportModel } from '../model/types.ts';
import { formatIssues } from '../util/zod-issues.ts';
import { parseS3Url, type ObjectStore } from './s3.ts';
import { jsonErrorMessage } from '../util/json-error.ts';

/** latest.json as written by src/deliver/s3.ts (schema kubeproof.latest/v1). */
export const latestPointerSchema = z.looseObject({
  schema: z.literal('kubeproof.latest/v1'),
  cluster: z.string(),
  reportId: z.string(),
  generatedAt: z.string(),
  bucket: z.string(),
  runKey: z.string(),
  objects: z.array(
    z.looseObject({
      filename: z.string(),
      key: z.string(),
      mediaType: z.string(),
      bytes: z.number(),
      sha256: z.string(),
    }),
  ),
});
export type LatestPointerDoc = z.infer<typeof latestPointerSchema>;

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(where, `not valid JSON (${jsonErrorMessage(err)})`, {
      hint: 'the file may be truncated',
    });
  }
}

/** Parses report.json bytes (any 1.x schema version). `where` names the source in errors. */
export function parseReport(text: string, where: string): ReportModel {
  const parsed = reportModelSchema.safeParse(parseJson(text, where), { reportInput: true });
  if (!parsed.success) {
    throw new InputError(
      where,
      `not a kubeproof report:\n  ${formatIssues(parsed.error, '', 5).split('\n').join('\n  ')}`,
      {
        hint: 'pass a report.json written by `kubeproof scan`',
      },
    );
  }
  return parsed.data;
}

export function parsePointer(text: string, where: string): LatestPointerDoc {
  const parsed = latestPointerSchema.safeParse(parseJson(text, where));
  if (!parsed.success) {
    throw new InputError(
      where,
      `not a kubeproof latest.json pointer:\n  ${formatIssues(parsed.error, '', 5).split('\n').join('\n  ')}`,
    );
  }
  return parsed.data;
}

/** A report and where it was read from. */
export interface LocatedReport {
  report: ReportModel;
  location: string;
}

/** Reads a report from a file, or `<dir>/report.json` for a directory. Undefined when absent. */
export async function readLocalReport(p: string): Promise<LocatedReport | undefined> {
  let file = p;
  try {
    if ((await stat(p)).isDirectory()) file = path.join(p, 'report.json');
  } catch {
    return undefined;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return { report: parseReport(text, file), location: file };
}

/**
 * Reads the report an s3:// URL designates: a `.json` key that is a latest.json pointer or a report;
 * otherwise a prefix holding `latest.json` (a cluster folder) or `report.json` (a run folder).
 * Undefined when none of these exists.
 */
export async function readS3Report(url: string, store: ObjectStore): Promise<LocatedReport | undefined> {
  const { bucket, prefix } = parseS3Url(url);
  const viaPointer = async (key: string): Promise<LocatedReport | undefined> => {
    const body = await store.get(bucket, key);
    if (!body) return undefined;
    const ptr = parsePointer(body.toString('utf8'), `s3://${bucket}/${key}`);
    const reportKey =
      ptr.objects.find((o) => o.filename === 'report.json')?.key ?? `${ptr.runKey}report.json`;
    const report = await store.get(ptr.bucket || bucket, reportKey);
    if (!report) {
      throw new InputError(
        `s3://${bucket}/${key}`,
        `points at s3://${ptr.bucket || bucket}/${reportKey}, which does not exist`,
        {
          hint: 'the run may not have produced report.json (--format json), or the object was removed',
        },
      );
    }
    const where = `s3://${ptr.bucket || bucket}/${reportKey}`;
    return { report: parseReport(report.toString('utf8'), where), location: where };
  };
  const direct = async (key: string): Promise<LocatedReport | undefined> => {
    const body = await store.get(bucket, key);
    if (!body) return undefined;
    return {
      report: parseReport(body.toString('utf8'), `s3://${bucket}/${key}`),
      location: `s3://${bucket}/${key}`,
    };
  };
  if (/(^|\/)latest\.json$/.test(prefix)) return viaPointer(prefix);
  if (prefix.endsWith('.json')) return direct(prefix);
  const base = prefix === '' ? '' : `${prefix}/`;
  return (await viaPointer(`${base}latest.json`)) ?? (await direct(`${base}report.json`));
}
