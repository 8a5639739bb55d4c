/**
 * Retry with exponential backoff and jitter, and the classification of transient delivery errors.
 * Sleep and randomness are injected so tests run instantly and deterministically.
 */
import type { RetryConfig } from './config.ts';

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions extends RetryConfig {
  sleep: Sleep;
  /** Uniform in [0, 1). */
  random: () => number;
  isTransient: (err: unknown) => boolean;
  /** Called before each wait, with the attempt that failed (1-based) and the delay chosen. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** The error of the last attempt, with how many attempts were made. */
export class RetryExhausted extends Error {
  readonly attempts: number;
  readonly transient: boolean;
  constructor(cause: unknown, attempts: number, transient: boolean) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'RetryExhausted';
    this.attempts = attempts;
    this.transient = transient;
  }
}

/**
 * Delay before attempt n+1 ("equal jitter"): half of min(max, base·2^(n-1)) fixed, half random, so
 * retries from many CronJobs spread out but never collapse to zero.
 */
export function backoffDelay(failedAttempt: number, cfg: RetryConfig, random: () => number): number {
  const ceiling = Math.min(cfg.maxDelayMs, cfg.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Runs fn until it succeeds, a non-transient error occurs, or attempts run out; then throws RetryExhausted. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const transient = opts.isTransient(err);
      if (!transient || attempt >= opts.attempts) throw new RetryExhausted(err, attempt, transient);
      const delay = backoffDelay(attempt, opts, opts.random);
      opts.onRetry?.(err, attempt, delay);
      await opts.sleep(delay);
    }
  }
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TRANSIENT_S3_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'InternalError',
  'ServiceUnavailable',
]);

/** Marks an error as transient on purpose (e.g. a failed post-upload verification). */
export class TransientError extends Error {
  override name = 'TransientError';
}

function field(err: unknown, key: string): unknown {
  return err && typeof err === 'object' ? (err as Record<string, unknown>)[key] : undefined;
}

function codesOf(err: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 5; e = field(e, 'cause'), depth++) {
    for (const k of ['code', 'originalCode', 'errno']) {
      const v = field(e, k);
      if (typeof v === 'string') out.push(v);
    }
  }
  return out;
}

/**
 * Transient: connection refused/reset, timeouts, DNS hiccups, HTTP 5xx and throttling, SMTP 4xx
 * (RFC 5321: "transient negative completion"). Authentication failures (535), TLS certificate
 * errors, 4xx HTTP and missing buckets are permanent: retrying only delays the report.
 */
export function isTransientError(err: unknown): boolean {
  if (err instanceof TransientError) return true;
  const codes = codesOf(err);
  if (codes.includes('EAUTH') || codes.includes('ETLS')) return false;
  const smtpCode = field(err, 'responseCode');
  if (typeof smtpCode === 'number') return smtpCode >= 400 && smtpCode < 500;
  if (codes.some((c) => TRANSIENT_CODES.has(c))) return true;
  // nodemailer wraps socket and connection failures; the original system code tells which
  if (codes.includes('ECONNECTION') || codes.includes('ESOCKET')) {
    return !/certificate|self[- ]signed|unable to verify|hostname|altname|wrong version/i.test(
      String(field(err, 'message')),
    );
  }
  const name = field(err, 'name');
  if (typeof name === 'string' && TRANSIENT_S3_NAMES.has(name)) return true;
  const meta = field(err, '$metadata');
  const status = field(meta, 'httpStatusCode');
  if (typeof status === 'number') return status >= 500 || status === 429;
  return false;
}
