import test from 'ava';
import {
  RetryExhausted,
  TransientError,
  backoffDelay,
  isTransientError,
  withRetry,
} from '../../src/deliver/retry.ts';

const cfg = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 5000 };

test('exponential backoff with equal jitter, capped', (t) => {
  t.deepEqual(
    [1, 2, 3, 4].map((n) => backoffDelay(n, cfg, () => 0)),
    [500, 1000, 2000, 2500],
  );
  t.deepEqual(
    [1, 2, 3, 4].map((n) => backoffDelay(n, cfg, () => 0.999999)),
    [1000, 2000, 4000, 5000],
  );
});

test('retries transient errors until success, sleeping between attempts', async (t) => {
  const sleeps: number[] = [];
  let calls = 0;
  const v = await withRetry(
    () => {
      calls++;
      if (calls < 3)
        return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      return Promise.resolve('done');
    },
    {
      ...cfg,
      sleep: (ms) => Promise.resolve(void sleeps.push(ms)),
      random: () => 0.5,
      isTransient: isTransientError,
    },
  );
  t.is(v, 'done');
  t.deepEqual(sleeps, [750, 1500]);
});

test('a permanent error stops at once; exhaustion reports the attempt count', async (t) => {
  const sleeps: number[] = [];
  const opts = {
    ...cfg,
    sleep: (ms: number) => Promise.resolve(void sleeps.push(ms)),
    random: () => 0,
    isTransient: isTransientError,
  };
  const perm = await t.throwsAsync(
    withRetry(async () => Promise.reject(new Error('no')), opts),
    { instanceOf: RetryExhausted },
  );
  t.is(perm.attempts, 1);
  t.false(perm.transient);
  const exhausted = await t.throwsAsync(
    withRetry(async () => Promise.reject(new TransientError('again')), opts),
    {
      instanceOf: RetryExhausted,
    },
  );
  t.is(exhausted.attempts, 5);
  t.is(exhausted.message, 'again');
  t.is(sleeps.length, 4);
});

test('classification: network, 5xx, throttling and SMTP 4xx are transient; auth, TLS, 4xx HTTP are not', (t) => {
  const e = (props: object, msg = 'x') => Object.assign(new Error(msg), props);
  t.true(isTransientError(e({ code: 'ECONNRESET' })));
  t.true(isTransientError(e({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' })));
  t.true(isTransientError(e({ code: 'ETIMEDOUT' })));
  t.true(isTransientError(e({ responseCode: 451 })));
  t.true(isTransientError(e({ responseCode: 421 })));
  t.false(isTransientError(e({ responseCode: 535, code: 'EAUTH' })));
  t.false(isTransientError(e({ responseCode: 550 })));
  t.false(isTransientError(e({ code: 'ESOCKET' }, 'self-signed certificate')));
  t.true(isTransientError(e({ name: 'SlowDown' })));
  t.true(isTransientError(e({ $metadata: { httpStatusCode: 503 } })));
  t.true(isTransientError(e({ $metadata: { httpStatusCode: 429 } })));
  t.false(isTransientError(e({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } })));
  t.false(isTransientError(e({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })));
  t.true(isTransientError(new TypeError('fetch failed', { cause: e({ code: 'UND_ERR_SOCKET' }) })));
  t.false(isTransientError('a string'));
});
