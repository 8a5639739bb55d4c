/**
 * A self-signed server certificate for 127.0.0.1/localhost, generated at run time with openssl
 * (once per process). Clients trust it by passing `caPem` as their CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCert {
  certPem: string;
  keyPem: string;
  /** The certificate itself: it is its own CA. */
  caPem: string;
}

let cached: TestCert | undefined;

export function testCert(): TestCert {
  if (cached) return cached;
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeproof-cert-'));
  try {
    const key = path.join(dir, 'key.pem');
    const crt = path.join(dir, 'crt.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        crt,
        '-days',
        '2',
        '-subj',
        '/CN=kubeproof-test-apiserver',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const certPem = readFileSync(crt, 'utf8');
    cached = { certPem, keyPem: readFileSync(key, 'utf8'), caPem: certPem };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
