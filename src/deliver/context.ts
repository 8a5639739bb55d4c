/** What every remote deliverer receives besides its own config: I/O seams, injected for tests. */
import type { Logger } from '../util/log.ts';
import type { RetryConfig } from './config.ts';
import type { Sleep } from './retry.ts';

export interface DeliverContext {
  logger: Logger;
  retry: RetryConfig;
  sleep: Sleep;
  random: () => number;
  now: () => Date;
  /** Environment (KUBEPROOF_SMTP_PASSWORD, AWS_ENDPOINT_URL_S3, AWS_REGION...). */
  env: Readonly<Record<string, string | undefined>>;
}

/** Where the S3 deliverer put the report, for the email to point at. */
export interface ReportLocation {
  bucket: string;
  /** Key of the run folder, ending with `/`. */
  key: string;
  /** `s3://bucket/key`. */
  uri: string;
}
