/** Fleet aggregation (`kubeproof fleet`): the latest report of every cluster, without rescanning. */
import { openS3, type ObjectStore, type S3Access } from '../history/s3.ts';
import { buildFleet, type FleetReport } from './build.ts';
import { collectDir, collectS3, type Collected } from './collect.ts';

export * from './build.ts';
export { collectDir, collectS3, type Collected } from './collect.ts';
export { fleetHtml, fleetJson, fleetText, fleetView, FLEET_STATUSES } from './render.ts';

export interface FleetRunOptions {
  from: string[];
  now: Date;
  staleDays?: number;
  top?: number;
  s3?: S3Access;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Collects from every location (S3 client opened once, lazily) and builds the fleet report. */
export async function fleetFrom(opts: FleetRunOptions): Promise<FleetReport> {
  const all: Collected = { reports: [], problems: [] };
  let store: ObjectStore | undefined;
  try {
    for (const from of opts.from) {
      try {
        const c = from.startsWith('s3://')
          ? await collectS3(from, (store ??= await openS3(opts.s3 ?? {}, opts.env ?? process.env)))
          : await collectDir(from);
        all.reports.push(...c.reports);
        all.problems.push(...c.problems);
      } catch (err) {
        all.problems.push({ from, message: (err as Error).message });
      }
    }
  } finally {
    store?.close();
  }
  return buildFleet(all.reports, {
    now: opts.now,
    sources: opts.from,
    problems: all.problems,
    ...(opts.staleDays !== undefined ? { staleDays: opts.staleDays } : {}),
    ...(opts.top !== undefined ? { top: opts.top } : {}),
  });
}
