/**
 * A self-signed server certificate for 127.0.0.1/localhost for the Kubernetes API test server, generated
 * once per process with the shared openssl helper (certs.ts). Clients trust it by passing `caPem` as their CA.
 */
import { generateCert } from './certs.ts';

export interface TestCert {
  certPem: string;
  keyPem: string;
  /** The certificate itself: it is its own CA. */
  caPem: string;
}

let cached: TestCert | undefined;

export function testCert(): TestCert {
  if (cached) return cached;
  const c = generateCert('kubeproof-test-apiserver');
  try {
    cached = { certPem: c.cert, keyPem: c.key, caPem: c.cert };
    return cached;
  } finally {
    c.cleanup();
  }
}
