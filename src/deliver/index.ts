/**
 * Delivery of a run's rendered artifacts to every configured remote target.
 *
 * Contract: the caller writes the local copy FIRST (writeLocal), then calls deliverAll. deliverAll writes
 * nothing locally and never throws for a delivery failure: each target yields a Receipt (ok or not) and the
 * caller exits 3 when any is not ok. Targets are attempted independently: S3 first (so the email can say
 * where the full report lives), then email, which is sent even when S3 failed. Transient errors are retried
 * with exponential backoff and jitter (deliver.retry).
 */
import type { Artifact, Delivery, ReportModel, Receipt } from '../model/types.ts';
import type { Logger } from '../util/log.ts';
import type { DeliverConfig } from './config.ts';
import type { DeliverContext, ReportLocation } from './context.ts';
import { deliverEmail } from './email.ts';
import { realSleep, type Sleep } from './retry.ts';
import { deliverS3 } from './s3.ts';
import { scrubError } from './scrub.ts';

export { deliverConfigSchema, parseDeliverConfig } from './config.ts';
export type { DeliverConfig, DeliverConfigInput, EmailConfig, S3Config } from './config.ts';
export { writeLocal } from './file.ts';
export type { ReportLocation } from './context.ts';

export interface DeliverDeps {
  logger: Logger;
  /** Waits between retries; default setTimeout. Tests pass a recorder. */
  sleep?: Sleep;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** Clock for Object Lock retainDays; default the system clock. */
  now?: () => Date;
  /** Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** True when any configured remote target is enabled. */
export function hasRemoteTargets(config: DeliverConfig): boolean {
  return config.s3 !== undefined || config.email?.smtpUrl !== undefined;
}

/** Sends the artifacts to every configured target; one receipt per target, S3 first, then email. */
export async function deliverAll(
  artifacts: readonly Artifact[],
  model: ReportModel,
  config: DeliverConfig,
  deps: DeliverDeps,
): Promise<Receipt[]> {
  const ctx: DeliverContext = {
    logger: deps.logger,
    retry: config.retry,
    sleep: deps.sleep ?? realSleep,
    random: deps.random ?? Math.random,
    now: deps.now ?? (() => new Date()),
    env: deps.env ?? process.env,
  };
  const receipts: Receipt[] = [];
  let location: ReportLocation | undefined;
  if (config.s3) {
    const s3 = config.s3;
    try {
      const r = await deliverS3(artifacts, model, s3, ctx);
      receipts.push(r.receipt);
      location = r.location;
    } catch (err) {
      // deliverS3 does not throw; this guards the promise of deliverAll against a bug
      receipts.push({
        kind: 's3',
        target: s3.url,
        ok: false,
        error: `internal error: ${scrubError(err, [])}`,
        artifacts: [],
      });
    }
  }
  if (config.email?.smtpUrl !== undefined) {
    const email = config.email;
    try {
      receipts.push(await deliverEmail(artifacts, model, email, ctx, location));
    } catch (err) {
      receipts.push({
        kind: 'email',
        target: 'email',
        ok: false,
        error: `internal error: ${scrubError(err, [])}`,
        artifacts: [],
      });
    }
  }
  return receipts;
}

/** Receipts as the model's `deliveries[]` entries, stamped with the time of delivery. */
export function toDeliveries(receipts: readonly Receipt[], at: string): Delivery[] {
  return receipts.map((r) => ({
    kind: r.kind,
    target: r.target,
    ok: r.ok,
    at,
    ...(r.id !== undefined ? { id: r.id } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    artifacts: [...r.artifacts],
  }));
}
