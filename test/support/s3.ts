/**
 * A real S3 REST peer for tests: s3rver on 127.0.0.1 and a random port, storing in a temporary
 * directory removed at close. Clients need path-style addressing and checksums WHEN_REQUIRED
 * (STACK-NOTES: s3rver keeps aws-chunked framing otherwise). Close it in t.teardown.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  httpServer: { on(event: 'request', fn: (req: IncomingMessage) => void): void };
  close(): Promise<void>;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;

// s3rver is CommonJS without type declarations
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;

export interface TestS3 {
  endpoint: string;
  directory: string;
  /** Every request the server received: method, URL and headers (to check SSE / Object Lock / multipart). */
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  close: () => Promise<void>;
}

/** Test credentials s3rver accepts; set them in the test process so the SDK's default chain finds them. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } as const;

export async function startS3(buckets: string[]): Promise<TestS3> {
  const directory = mkdtempSync(path.join(tmpdir(), 'kubeproof-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const addr = await server.run();
  const requests: TestS3['requests'] = [];
  server.httpServer.on('request', (req) =>
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers }),
  );
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    directory,
    requests,
    close: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
