import test from 'ava';
import { redactText, redactUrl, redactValue } from '../../src/util/redact.ts';

test('credentials in URLs, headers, flags and key/value pairs are redacted', (t) => {
  const s = redactText(
    'smtp://bob:hunter2@mail:25 --token=abc123 password: "x y" Authorization: Bearer eyJabc.def123456789 Basic dXNlcjpwYXNzd29yZDEyMw== AKIAABCDEFGHIJKLMNOP',
  );
  for (const secret of [
    'hunter2',
    'abc123',
    'x y',
    'dXNlcjpwYXNzd29yZDEyMw',
    'AKIAABCDEFGHIJKLMNOP',
    'def123456789',
  ]) {
    t.false(s.includes(secret), `${secret} leaked: ${s}`);
  }
});

test('paths of *-file flags and ordinary prose are kept', (t) => {
  t.is(
    redactText('--token-auth-file=/etc/kubernetes/tokens.csv'),
    '--token-auth-file=/etc/kubernetes/tokens.csv',
  );
  t.is(
    redactText('Use basic authentication only with TLS; bearer tokens expire.'),
    'Use basic authentication only with TLS; bearer tokens expire.',
  );
});

test('private keys and JWTs are redacted', (t) => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----';
  t.is(redactText(`key: ${pem}`).includes('MIIEvQ'), false);
  t.is(redactText('eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4'), '[REDACTED-JWT]');
});

test('redactValue hides values under secret-looking keys and Secret data, keeps names', (t) => {
  const v = redactValue({
    password: 'p4ss',
    tokenFile: '/x',
    data: { 'tls.key': 'AAAA' },
    name: 'db',
    nested: [{ apiKey: 'k' }],
  }) as Record<string, unknown>;
  t.deepEqual(v, {
    password: '[REDACTED]',
    tokenFile: '/x',
    data: { 'tls.key': '[REDACTED]' },
    name: 'db',
    nested: [{ apiKey: '[REDACTED]' }],
  });
});

test('redactUrl drops user info and query', (t) => {
  t.is(redactUrl('smtps://user:pw@mail.example.com:465/?x=1'), 'smtps://mail.example.com:465/');
});

test('flags whose secret value follows a space are redacted (ps command lines), prose after a flag is kept', (t) => {
  const s = redactText(
    'kube-apiserver --password S3cretPassw0rdX --etcd-token "a b c" --client-secret=xyz9 --oidc-client-secret q1w2e3r4t5',
  );
  for (const secret of ['S3cretPassw0rdX', 'a b c', 'xyz9', 'q1w2e3r4t5'])
    t.false(s.includes(secret), `${secret} leaked: ${s}`);
  t.is(
    redactText('--token-auth-file /etc/kubernetes/tokens.csv'),
    '--token-auth-file /etc/kubernetes/tokens.csv',
  );
  t.is(
    redactText(
      'Ensure that the --token-auth-file parameter is not set and the --bootstrap-token argument is false.',
    ),
    'Ensure that the --token-auth-file parameter is not set and the --bootstrap-token argument is false.',
  );
  t.is(redactText('--enable-bootstrap-token-auth true'), '--enable-bootstrap-token-auth true');
});
