import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emitMetrics, pushUrl } from '../../src/metrics/emit.ts';
import { buildMetrics, formatMetrics, LAST_SUCCESS, readSample } from '../../src/metrics/prometheus.ts';
import { memoryLogger } from '../../src/util/log.ts';
import { kbFinding, miniReport } from '../support/model.ts';

const AT = '2026-11-01T02:00:00.000Z';
const FINISHED = new Date('2026-11-01T02:03:20.000Z');

async function report() {
  return miniReport(
    [
      kbFinding('1.1.1', 'pass', 'cp-1'),
      kbFinding('1.2.1', 'fail', 'cp-1'),
      kbFinding('4.2.1', 'manual', 'w-1'),
    ],
    AT,
  );
}

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeproof-metrics-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('per-framework control counts by status, findings by source and status, run facts', async (t) => {
  const model = await report();
  const fams = buildMetrics(model, { exitCode: 0, durationMs: 2500, finishedAt: FINISHED });
  const text = formatMetrics(fams);
  for (const f of model.frameworks) {
    for (const [status, n] of Object.entries(f.summary.counts)) {
      t.true(
        text.includes(
          `kubeproof_controls{cluster="test-cluster",framework="${f.id}",status="${status}"} ${n}\n`,
        ),
        `${f.id} ${status}`,
      );
    }
  }
  t.true(text.includes('kubeproof_findings{cluster="test-cluster",source="kube-bench",status="fail"} 1\n'));
  t.true(text.includes('kubeproof_findings{cluster="test-cluster",source="kube-bench",status="manual"} 1\n'));
  t.true(text.includes('kubeproof_findings{cluster="test-cluster",source="kube-bench",status="error"} 0\n'));
  t.true(text.includes('kubeproof_source_up{cluster="test-cluster",source="kube-bench"} 1\n'));
  t.true(text.includes('kubeproof_run_duration_seconds{cluster="test-cluster"} 2.5\n'));
  t.true(text.includes(`${LAST_SUCCESS}{cluster="test-cluster"} ${FINISHED.getTime() / 1000}\n`));
  t.true(text.includes('# TYPE kubeproof_controls gauge\n'));
  // deterministic
  t.is(formatMetrics(buildMetrics(model, { exitCode: 0, durationMs: 2500, finishedAt: FINISHED })), text);
});

test('a failed run has no last-success sample; the gate (exit 4) still counts as success', async (t) => {
  const model = await report();
  t.false(
    buildMetrics(model, { exitCode: 3, durationMs: 1, finishedAt: FINISHED }).some(
      (f) => f.name === LAST_SUCCESS,
    ),
  );
  t.true(
    buildMetrics(model, { exitCode: 4, durationMs: 1, finishedAt: FINISHED }).some(
      (f) => f.name === LAST_SUCCESS,
    ),
  );
  const noModel = formatMetrics(
    buildMetrics(undefined, { exitCode: 2, durationMs: 1, finishedAt: FINISHED }),
  );
  t.true(noModel.includes('kubeproof_run_exit_code{cluster="unknown"} 2\n'));
  t.false(noModel.includes('kubeproof_controls'));
});

test('label values are escaped', (t) => {
  const text = formatMetrics([
    { name: 'm', help: 'h', type: 'gauge', samples: [{ labels: { a: 'x"y\\z\nw' }, value: 1 }] },
  ]);
  t.true(text.includes('m{a="x\\"y\\\\z\\nw"} 1\n'));
  t.deepEqual(readSample(text, 'm'), { line: 'm{a="x\\"y\\\\z\\nw"} 1', value: 1 });
  t.is(readSample(text, 'mm'), undefined);
});

test('textfile: written atomically; a failed run keeps the previous last-success timestamp', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'kubeproof.prom');
  const log = memoryLogger();
  const model = await report();
  t.deepEqual(
    await emitMetrics(
      { file, job: 'kubeproof' },
      model,
      { exitCode: 0, durationMs: 1000, finishedAt: FINISHED },
      { log },
    ),
    { file: 'written' },
  );
  const later = new Date(FINISHED.getTime() + 86_400_000);
  await emitMetrics(
    { file, job: 'kubeproof' },
    model,
    { exitCode: 3, durationMs: 1000, finishedAt: later },
    { log },
  );
  const text = readFileSync(file, 'utf8');
  t.is(readSample(text, LAST_SUCCESS)?.value, FINISHED.getTime() / 1000);
  t.is(readSample(text, 'kubeproof_last_run_timestamp_seconds')?.value, later.getTime() / 1000);
  t.is(readSample(text, 'kubeproof_run_exit_code')?.value, 3);
  t.deepEqual(readdirSync(dir), ['kubeproof.prom'], 'no temporary file left behind');
});

test('textfile: an unwritable path is a warning, not an exception', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'not-a-dir'), 'x');
  const log = memoryLogger();
  const r = await emitMetrics(
    { file: path.join(dir, 'not-a-dir', 'k.prom'), job: 'kubeproof' },
    undefined,
    { exitCode: 1, durationMs: 1, finishedAt: FINISHED },
    { log },
  );
  t.deepEqual(r, { file: 'failed' });
  t.true(log.lines.some((l) => l.includes('"level":"warn"') && l.includes('cannot write')));
});

test('Pushgateway: POST to the job/cluster group; failures are warnings with credentials redacted', async (t) => {
  const got: { method: string; url: string; body: string; type: string; auth: string }[] = [];
  let status = 200;
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({
        method: req.method!,
        url: req.url!,
        body,
        type: String(req.headers['content-type']),
        auth: String(req.headers.authorization),
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  const base = `http://user:s3cret@127.0.0.1:${(srv.address() as AddressInfo).port}/`;
  const log = memoryLogger();
  const model = await report();
  t.deepEqual(
    await emitMetrics(
      { pushgateway: base, job: 'kubeproof' },
      model,
      { exitCode: 0, durationMs: 10, finishedAt: FINISHED },
      { log },
    ),
    { pushgateway: 'pushed' },
  );
  t.is(got[0]!.method, 'POST');
  t.is(got[0]!.url, '/metrics/job/kubeproof/cluster/test-cluster');
  t.regex(got[0]!.type, /^text\/plain; version=0\.0\.4/);
  t.is(got[0]!.auth, `Basic ${Buffer.from('user:s3cret').toString('base64')}`);
  t.true(got[0]!.body.includes('kubeproof_controls{'));
  status = 500;
  t.deepEqual(
    await emitMetrics(
      { pushgateway: base, job: 'kubeproof' },
      model,
      { exitCode: 0, durationMs: 10, finishedAt: FINISHED },
      { log },
    ),
    { pushgateway: 'failed' },
  );
  const warn = log.lines.find((l) => l.includes('push to'))!;
  t.true(warn.includes('HTTP 500'));
  t.false(warn.includes('s3cret'));
});

test('Pushgateway grouping URL encodes label values that are not path-safe', (t) => {
  t.is(
    pushUrl('http://pg:9091', 'kubeproof', 'prod/eu 1'),
    `http://pg:9091/metrics/job/kubeproof/cluster@base64/${Buffer.from('prod/eu 1').toString('base64url')}`,
  );
  t.is(pushUrl('http://pg:9091///', 'kp', 'a.b'), 'http://pg:9091/metrics/job/kp/cluster/a.b');
});
