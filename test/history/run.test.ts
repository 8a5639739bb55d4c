/** History and bundle wired into runScan, and the scan command end to end. */
import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { loadBundleDir, sealStep, verifyBundle } from '../../src/bundle/index.ts';
import { historySteps } from '../../src/history/index.ts';
import { loadMappings } from '../../src/mapping/load.ts';
import type { Finding, ReportModel } from '../../src/model/types.ts';
import { runScan, type RunDeps } from '../../src/run.ts';
import type { Source } from '../../src/sources/types.ts';
import { writeLocal } from '../../src/deliver/file.ts';
import { memoryLogger } from '../../src/util/log.ts';
import { sha256Hex } from '../../src/util/hash.ts';
import { kbFinding, MINI_MAPPINGS } from '../support/model.ts';
import { runCli } from '../support/cli.ts';

function source(findings: Finding[]): Source<unknown> {
  return {
    id: 'kube-bench',
    title: 'kube-bench (test)',
    read: () => Promise.resolve(null),
    normalize: () => ({
      findings,
      evidence: [],
      inputs: [{ path: 'kb.json', sha256: sha256Hex('kb'), bytes: 2, format: 'kube-bench-json-controls' }],
      notes: [],
    }),
  };
}

async function scan(out: string, findings: Finding[], at: string, extra: Record<string, unknown> = {}) {
  const cfg: Config = configSchema.parse({
    out,
    clusterName: 'c1',
    frameworks: ['pci-dss-4.0.1', 'nist-800-53-r5'],
    ...extra,
  });
  const log = memoryLogger();
  const deps: RunDeps = {
    now: () => new Date(at),
    log,
    toolVersion: '0.0.0-test',
    mappings: await loadMappings(MINI_MAPPINGS),
    sources: [source(findings)],
    render: (model: ReportModel) =>
      Promise.resolve({
        artifacts: [
          {
            filename: 'report.json',
            mediaType: 'application/json',
            body: JSON.stringify(model, null, 2) + '\n',
          },
          { filename: 'report.html', mediaType: 'text/html', body: `<p>${model.reportId}</p>` },
        ],
        errors: [],
      }),
    writeLocal,
    ...historySteps(log, {}),
    seal: sealStep(log),
  };
  return runScan(cfg, deps);
}

test('two runs: the second compares with the first, keeps the trend, and seals a verifiable bundle', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'kp-run-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = path.join(out, '..', `${path.basename(out)}-key.pem`);
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  t.teardown(() => rm(keyFile, { force: true }));
  const first = await scan(out, [kbFinding('1.2.1', 'fail', 'cp-1')], '2026-11-20T02:00:00Z', {
    signing: { keyFile },
  });
  t.is(first.exitCode, 0, JSON.stringify(first.problems));
  t.is(first.model.diff, undefined);
  const second = await scan(out, [kbFinding('1.2.1', 'pass', 'cp-1')], '2026-11-21T02:00:00Z', {
    signing: { keyFile },
  });
  t.is(second.exitCode, 0, JSON.stringify(second.problems));
  const written = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as ReportModel;
  t.is(written.diff?.previousReportId, first.model.reportId);
  t.deepEqual(
    written.diff?.resolvedFailures.map((f) => f.ruleId),
    ['1.2.1'],
  );
  t.deepEqual(
    written.history?.map((h) => h.reportId),
    [first.model.reportId, second.model.reportId],
  );
  t.is(written.bundle, undefined, 'report.json never carries its own manifest hash');
  t.deepEqual((await readdir(path.join(out, 'history'))).length, 2);
  t.true(second.artifacts.some((a) => a.filename === 'manifest.json'));
  t.regex(second.bundle?.keyFingerprint ?? '', /^SHA256:/);
  const v = verifyBundle(await loadBundleDir(out), { publicKey });
  t.true(v.ok, v.errors.join('\n'));
  t.is(v.manifestSha256, second.bundle?.manifestSha256);
});

test('an unreadable --previous makes the run partial (3); an unusable signing key exits 2 with an unsigned manifest', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'kp-run-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const r = await scan(out, [], '2026-11-20T02:00:00Z', {
    history: { previous: path.join(out, 'missing.json') },
  });
  t.is(r.exitCode, 3);
  t.regex(r.problems.map((p) => p.message).join('\n'), /--previous .*missing\.json: no report found/);
  await writeFile(
    path.join(out, 'rsa.pem'),
    generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
  );
  const k = await scan(out, [], '2026-11-21T02:00:00Z', {
    signing: { keyFile: path.join(out, 'rsa.pem') },
    history: { previous: 'none' },
  });
  t.is(k.exitCode, 2);
  t.regex(k.problems.map((p) => p.message).join('\n'), /expected ed25519; manifest\.json written unsigned/);
  t.is(k.bundle?.keyFingerprint, undefined);
  t.truthy(k.bundle?.manifestSha256);
});

test('kubeproof scan (CLI): --signing-key, --history, then kubeproof verify with and without the public key', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-cli-trail-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await writeFile(path.join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(path.join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  const out = path.join(dir, 'out');
  const args = [
    'scan',
    '--no-cluster',
    '--cluster-name',
    'cli-c',
    '--format',
    'json,html',
    '--out',
    out,
    '--history',
    '3',
  ];
  const a = await runCli([...args], { env: { KUBEPROOF_SIGNING_KEY_FILE: path.join(dir, 'key.pem') } });
  t.is(a.code, 0, a.stderr);
  t.regex(a.stdout, /Evidence bundle: manifest\.json SHA-256 [0-9a-f]{64}, signed by SHA256:/);
  const b = await runCli([...args, '--signing-key', path.join(dir, 'key.pem')]);
  t.is(b.code, 0, b.stderr);
  t.regex(b.stdout, /Since kp-.* new failures/);
  const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as ReportModel;
  t.true((report.history?.length ?? 0) >= 1 && (report.history?.length ?? 0) <= 3);
  // the chain: the HTML cites report.json's SHA-256, which the signed manifest lists
  const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as {
    artifacts: { filename: string; sha256: string }[];
  };
  const jsonSha = manifest.artifacts.find((a) => a.filename === 'report.json')!.sha256;
  t.is(jsonSha, sha256Hex(await readFile(path.join(out, 'report.json'))));
  t.true((await readFile(path.join(out, 'report.html'), 'utf8')).includes(jsonSha));
  t.true(manifest.artifacts.some((a) => a.filename === 'report.html'));
  const ok = await runCli(['verify', out, '--public-key', path.join(dir, 'pub.pem')]);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.regex(ok.stdout, /signature: valid/);
  const self = await runCli(['verify', out]);
  t.is(self.code, 0);
  t.regex(self.stdout, /self-signed: .*proves integrity, not origin/);
  await writeFile(
    path.join(out, 'report.json'),
    (await readFile(path.join(out, 'report.json'), 'utf8')).replace('"cli-c"', '"cli-d"'),
  );
  const bad = await runCli(['verify', out, '--public-key', path.join(dir, 'pub.pem')]);
  t.not(bad.code, 0);
  t.regex(bad.stdout + bad.stderr, /report\.json: content differs from the manifest/);
  const json = await runCli(['verify', out, '-o', 'json']);
  t.false((JSON.parse(json.stdout) as { ok: boolean }).ok);
});
