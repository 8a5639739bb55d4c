/** Helpers for history, bundle and fleet tests: a series of realistic small reports, S3 upload via deliverAll. */
import type { Artifact, ReportModel } from '../../src/model/types.ts';
import { deliverAll } from '../../src/deliver/index.ts';
import { parseDeliverConfig } from '../../src/deliver/config.ts';
import { memoryLogger } from '../../src/util/log.ts';
import { kbFinding, miniReport } from './model.ts';
import { S3RVER_CREDENTIALS } from './s3.ts';

/** Run i of a series: 1.2.1 fails on the first runs and is fixed from run 2; 1.2.16 starts failing at run 3. */
export async function seriesReport(
  i: number,
  cluster = 'test-cluster',
  day = `2026-11-${String(10 + i).padStart(2, '0')}`,
): Promise<ReportModel> {
  const r = await miniReport(
    [
      kbFinding('1.2.1', i < 2 ? 'fail' : 'pass', 'cp-1'),
      kbFinding('1.2.16', i >= 3 ? 'fail' : 'pass', 'cp-1'),
      kbFinding('1.2.17', 'fail', 'cp-1'),
    ],
    `${day}T02:00:00Z`,
  );
  return cluster === r.cluster.name ? r : { ...r, cluster: { ...r.cluster, name: cluster } };
}

export function reportArtifact(model: ReportModel): Artifact {
  return {
    filename: 'report.json',
    mediaType: 'application/json',
    body: JSON.stringify(model, null, 2) + '\n',
  };
}

export const S3_ENV = { ...S3RVER_CREDENTIALS, AWS_REGION: 'us-east-1' };

/** Uploads artifacts the way a run does (run folder + latest.json) to an s3rver endpoint. */
export async function uploadRun(
  endpoint: string,
  url: string,
  model: ReportModel,
  artifacts: Artifact[],
): Promise<void> {
  Object.assign(process.env, S3RVER_CREDENTIALS);
  const cfg = parseDeliverConfig({
    s3: { url, endpoint, pathStyle: true, checksums: 'when-required' },
    retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  });
  const receipts = await deliverAll(artifacts, model, cfg, { logger: memoryLogger(), env: S3_ENV });
  if (!receipts.every((r) => r.ok)) throw new Error(`upload failed: ${JSON.stringify(receipts)}`);
}
