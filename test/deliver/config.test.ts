import test from 'ava';
import { ConfigError } from '../../src/errors.ts';
import {
  DEFAULT_ATTACH_PDF_MAX_BYTES,
  DEFAULT_SUBJECT,
  deliverConfigSchema,
  formatIssues,
  parseDeliverConfig,
} from '../../src/deliver/config.ts';

function errorOf(input: unknown): string {
  const err = (() => {
    try {
      parseDeliverConfig(input);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  if (!(err instanceof ConfigError)) throw new Error('expected a ConfigError');
  return err.message;
}

test('defaults: retry, TLS verification on, subject, PDF limit, checksums when-supported', (t) => {
  const c = parseDeliverConfig({
    email: { smtpUrl: 'smtp://user@mail.example.com:587', from: 'kp@example.com', to: ['a@example.com'] },
    s3: { url: 's3://bucket/prefix' },
  });
  t.deepEqual(c.retry, { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30000 });
  t.deepEqual(c.email?.tls, { rejectUnauthorized: true });
  t.is(c.email?.subject, DEFAULT_SUBJECT);
  t.is(c.email?.attachPdfMaxBytes, DEFAULT_ATTACH_PDF_MAX_BYTES);
  t.deepEqual(c.email?.cc, []);
  t.is(c.s3?.checksums, 'when-supported');
  t.false(c.s3?.pathStyle);
  t.deepEqual(parseDeliverConfig(undefined), {
    retry: { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30000 },
  });
});

test('errors carry the field path', (t) => {
  t.is(
    errorOf({ s3: { url: 'https://bucket/prefix' } }),
    'deliver.s3.url: must look like s3://bucket/prefix',
  );
  t.is(
    errorOf({ email: { smtpUrl: 'smtp://mail.example.com:587', from: 'kp@example.com' } }),
    'deliver.email.to: required when deliver.email.smtpUrl is set',
  );
  t.is(
    errorOf({ email: { to: ['a@example.com'] } }),
    'deliver.email.smtpUrl: required when deliver.email.to or deliver.email.from is set',
  );
  t.is(
    errorOf({ email: { smtpUrl: 'http://mail.example.com' } }).split('\n')[0],
    'deliver.email.smtpUrl: must look like smtp://user@host:587 or smtps://user@host:465',
  );
  t.is(errorOf({ s3: { url: 's3://bucket/p', bogus: 1 } }), 'deliver.s3: Unrecognized key: "bogus"');
});

test('cross-field rules: TLS mode vs scheme, kmsKeyId needs aws:kms, Object Lock needs one retention', (t) => {
  const email = { from: 'kp@example.com', to: ['a@example.com'] };
  t.is(
    errorOf({
      email: { ...email, smtpUrl: 'smtps://mail.example.com:465', tls: { mode: 'starttls-required' } },
    }),
    'deliver.email.tls.mode: smtps:// means implicit TLS; use smtp:// for STARTTLS',
  );
  t.is(
    errorOf({ email: { ...email, smtpUrl: 'smtp://mail.example.com', tls: { mode: 'implicit' } } }),
    'deliver.email.tls.mode: implicit TLS needs an smtps:// URL',
  );
  t.is(
    errorOf({ s3: { url: 's3://bucket', kmsKeyId: 'k' } }),
    "deliver.s3.kmsKeyId: only valid with sse: 'aws:kms'",
  );
  t.is(
    errorOf({ s3: { url: 's3://bucket', objectLock: { mode: 'COMPLIANCE' } } }),
    'deliver.s3.objectLock: give exactly one of retainDays or retainUntil',
  );
  t.is(
    errorOf({
      s3: {
        url: 's3://bucket',
        objectLock: { mode: 'GOVERNANCE', retainDays: 1, retainUntil: '2030-01-01T00:00:00Z' },
      },
    }),
    'deliver.s3.objectLock: give exactly one of retainDays or retainUntil',
  );
  t.notThrows(() =>
    parseDeliverConfig({
      s3: {
        url: 's3://bucket',
        sse: 'aws:kms',
        kmsKeyId: 'alias/reports',
        objectLock: { mode: 'GOVERNANCE', retainUntil: '2030-01-01T00:00:00Z' },
      },
    }),
  );
});

test('embedded under deliver: in a larger schema, issues format with the same paths', (t) => {
  const r = deliverConfigSchema.safeParse({ s3: { url: 'nope' } });
  t.false(r.success);
  if (!r.success) t.is(formatIssues(r.error.issues), 'deliver.s3.url: must look like s3://bucket/prefix');
});
