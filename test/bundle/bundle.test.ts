import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  fingerprint,
  loadBundleDir,
  loadBundleS3,
  parseSigningKey,
  seal,
  verifyBundle,
  MANIFEST_FILE,
  SIGNATURE_FILE,
  manifestSchema,
  coverIntegrityLine,
} from '../../src/bundle/index.ts';
import { openS3 } from '../../src/history/index.ts';
import type { Artifact, ReportModel } from '../../src/model/types.ts';
import { sha256Hex } from '../../src/util/hash.ts';
import { reportArtifact, S3_ENV, seriesReport, uploadRun } from '../support/history.ts';
import { startS3 } from '../support/s3.ts';
import { runCli } from '../support/cli.ts';

const keys = () => generateKeyPairSync('ed25519');

function withInputs(m: ReportModel): ReportModel {
  return {
    ...m,
    runs: m.runs.map((r) => ({
      ...r,
      inputs: [
        {
          path: 'kb/cp-1.json',
          sha256: sha256Hex('raw kube-bench output'),
          bytes: 21,
          format: 'kube-bench-json-controls',
        },
      ],
    })),
  };
}

async function runArtifacts(): Promise<{ model: ReportModel; artifacts: Artifact[] }> {
  const model = withInputs(await seriesReport(1));
  return {
    model,
    artifacts: [
      reportArtifact(model),
      {
        filename: 'report.html',
        mediaType: 'text/html; charset=utf-8',
        body: '<!doctype html><p>report</p>',
      },
      {
        filename: 'report.pdf',
        mediaType: 'application/pdf',
        body: new Uint8Array([0x25, 0x50, 0x44, 0x46, 0, 1, 2, 255]),
      },
      { filename: 'findings.csv', mediaType: 'text/csv', body: 'id,status\n' },
    ],
  };
}

function fileMap(artifacts: readonly Artifact[]): Map<string, Uint8Array> {
  return new Map(
    artifacts.map((a) => [a.filename, typeof a.body === 'string' ? Buffer.from(a.body) : a.body]),
  );
}

test('signature round trip: seal then verify with the public key', async (t) => {
  const { publicKey, privateKey } = keys();
  const { model, artifacts } = await runArtifacts();
  const sealed = seal(model, artifacts, privateKey);
  t.deepEqual(
    sealed.artifacts.map((a) => a.filename),
    [MANIFEST_FILE, SIGNATURE_FILE],
  );
  t.is(sealed.bundle.keyFingerprint, fingerprint(publicKey));
  t.regex(sealed.bundle.keyFingerprint!, /^SHA256:[A-Za-z0-9+/]{43}$/);
  const manifest = manifestSchema.parse(JSON.parse(String(sealed.artifacts[0]!.body)));
  t.deepEqual(
    manifest.artifacts.map((a) => a.filename),
    ['findings.csv', 'report.html', 'report.json', 'report.pdf'],
  );
  t.is(manifest.reportId, model.reportId);
  t.is(manifest.tool.version, model.tool.version);
  t.is(manifest.mappings.sha256, model.mappings.sha256);
  t.deepEqual(manifest.inputs, [
    {
      source: 'kube-bench',
      path: 'kb/cp-1.json',
      sha256: sha256Hex('raw kube-bench output'),
      bytes: 21,
      format: 'kube-bench-json-controls',
    },
  ]);
  t.is(sealed.bundle.manifestSha256, sha256Hex(sealed.artifacts[0]!.body));
  const r = verifyBundle(fileMap([...artifacts, ...sealed.artifacts]), { publicKey });
  t.true(r.ok, r.errors.join('\n'));
  t.is(r.signature, 'valid');
  t.deepEqual(r.warnings, []);
  t.true(r.files.every((f) => f.status === 'ok'));
  // deterministic: same inputs, same manifest bytes (Ed25519 signatures are deterministic too)
  t.deepEqual(seal(model, artifacts, privateKey).artifacts, sealed.artifacts);
});

test('tampering with any bundled file makes verify fail, naming the file', async (t) => {
  const { publicKey, privateKey } = keys();
  const { model, artifacts } = await runArtifacts();
  const all = [...artifacts, ...seal(model, artifacts, privateKey).artifacts];
  for (const target of all.map((a) => a.filename)) {
    const files = fileMap(all);
    const body = Buffer.from(files.get(target)!);
    const at = Math.floor(body.length / 2);
    body[at] = body[at]! ^ 0x01;
    files.set(target, body);
    const r = verifyBundle(files, { publicKey });
    t.false(r.ok, `tampering with ${target} went unnoticed`);
    t.true(
      r.errors.some((e) => e.includes(target)),
      `${target}: ${r.errors.join(' | ')}`,
    );
    // the embedded key does not save a tampered bundle either
    t.false(verifyBundle(files).ok, `${target} (self-signed check)`);
  }
});

test('a rewritten manifest (hashes recomputed by the tamperer) fails the signature', async (t) => {
  const { publicKey, privateKey } = keys();
  const { model, artifacts } = await runArtifacts();
  const changed = artifacts.map((a) =>
    a.filename === 'report.html' ? { ...a, body: '<p>all green</p>' } : a,
  );
  const honest = seal(model, artifacts, privateKey);
  const forged = seal(model, changed, undefined);
  const files = fileMap([...changed, forged.artifacts[0]!, honest.artifacts[1]!]);
  const r = verifyBundle(files, { publicKey });
  t.false(r.ok);
  t.regex(r.errors.join('\n'), /unsigned, but a signature by/);
  // re-signed with the tamperer's own key: self-signed passes (integrity only), --public-key catches it
  const mallory = keys();
  const resigned = fileMap([...changed, ...seal(model, changed, mallory.privateKey).artifacts]);
  const self = verifyBundle(resigned);
  t.true(self.ok);
  t.is(self.signature, 'self-signed');
  t.regex(self.warnings.join('\n'), /self-signed: .*proves integrity, not origin/);
  const expected = verifyBundle(resigned, { publicKey });
  t.false(expected.ok);
  t.regex(expected.errors.join('\n'), /signed by SHA256:.*not by the expected key/);
});

test('wrong key fails; missing file fails; an extra unlisted file is a warning', async (t) => {
  const { privateKey } = keys();
  const { model, artifacts } = await runArtifacts();
  const all = [...artifacts, ...seal(model, artifacts, privateKey).artifacts];
  const wrong = verifyBundle(fileMap(all), { publicKey: keys().publicKey });
  t.false(wrong.ok);
  t.is(wrong.signature, 'invalid');
  const missing = fileMap(all);
  missing.delete('report.pdf');
  const m = verifyBundle(missing);
  t.false(m.ok);
  t.deepEqual(m.errors, ['report.pdf: missing (listed in the manifest)']);
  const extra = fileMap(all);
  extra.set('notes.txt', Buffer.from('added later'));
  extra.set('deliveries.json', Buffer.from('{}'));
  const e = verifyBundle(extra);
  t.true(e.ok);
  t.is(e.warnings.filter((w) => w.startsWith('notes.txt: not listed')).length, 1);
  t.false(e.warnings.some((w) => w.startsWith('deliveries.json')));
  const noSig = fileMap(all);
  noSig.delete(SIGNATURE_FILE);
  t.regex(verifyBundle(noSig).errors.join('\n'), /manifest\.sig is missing/);
  const noManifest = fileMap(artifacts);
  t.regex(verifyBundle(noManifest).errors[0]!, /manifest\.json is missing/);
});

test('unsigned bundle: hashes checked, a warning says what it does not prove', async (t) => {
  const { model, artifacts } = await runArtifacts();
  const sealed = seal(model, artifacts);
  t.deepEqual(
    sealed.artifacts.map((a) => a.filename),
    [MANIFEST_FILE],
  );
  t.is(sealed.bundle.keyFingerprint, undefined);
  const r = verifyBundle(fileMap([...artifacts, ...sealed.artifacts]));
  t.true(r.ok);
  t.is(r.signature, 'unsigned');
  t.regex(r.warnings.join('\n'), /unsigned manifest/);
});

test('signing keys: ed25519 PKCS#8 PEM only; errors never echo the key', (t) => {
  const ed = keys().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  t.is(parseSigningKey(ed, 'k.pem').asymmetricKeyType, 'ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const e1 = t.throws(() => parseSigningKey(rsa, 'rsa.pem'));
  t.regex(e1.message, /is rsa, expected ed25519/);
  const broken = ed.replace(/[A-Za-z]{10}/, 'xxxxxxxxxx');
  const e2 = t.throws(() => parseSigningKey(broken, 'broken.pem'));
  t.false(e2.message.includes('PRIVATE KEY'));
  t.false(e2.message.includes(ed.split('\n')[1]!));
});

test('verify a bundle in a directory and in an S3 run folder (s3rver)', async (t) => {
  const { publicKey, privateKey } = keys();
  const { model, artifacts } = await runArtifacts();
  const all = [...artifacts, ...seal(model, artifacts, privateKey).artifacts];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-bundle-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const a of all) await writeFile(path.join(dir, a.filename), a.body);
  await mkdir(path.join(dir, 'history'));
  await writeFile(path.join(dir, 'history', 'x.json'), '{}');
  const local = verifyBundle(await loadBundleDir(dir), { publicKey });
  t.true(local.ok, local.errors.join('\n'));
  t.deepEqual(local.warnings, []);

  const s3 = await startS3(['reports']);
  t.teardown(() => s3.close());
  await uploadRun(s3.endpoint, 's3://reports/kp', model, all);
  const store = await openS3({ endpoint: s3.endpoint, pathStyle: true }, S3_ENV);
  t.teardown(() => store.close());
  const viaCluster = await loadBundleS3('s3://reports/kp/test-cluster', store);
  t.regex(viaCluster.location, /^s3:\/\/reports\/kp\/test-cluster\/2026\/11\/11\/kp-[^/]+\/$/);
  const remote = verifyBundle(viaCluster.files, { publicKey });
  t.true(remote.ok, remote.errors.join('\n'));
  const viaRun = await loadBundleS3(viaCluster.location, store);
  t.deepEqual([...viaRun.files.keys()].sort(), all.map((a) => a.filename).sort());
  await t.throwsAsync(() => loadBundleS3('s3://reports/kp/nothing-here', store), {
    message: /no objects there/,
  });
});

test('raw inputs held by the user are checked against the hashes the manifest records', async (t) => {
  const { model, artifacts } = await runArtifacts();
  const files = fileMap([...artifacts, ...seal(model, artifacts).artifacts]);
  const good = verifyBundle(files, {
    inputs: [{ name: 'cp-1.json', bytes: Buffer.from('raw kube-bench output') }],
  });
  t.true(good.ok);
  t.deepEqual(good.inputs, [{ name: 'cp-1.json', status: 'ok', matches: ['kube-bench kb/cp-1.json'] }]);
  const bad = verifyBundle(files, {
    inputs: [{ name: 'cp-1.json', bytes: Buffer.from('raw kube-bench output, edited') }],
  });
  t.false(bad.ok);
  t.regex(
    bad.errors[0]!,
    /^input cp-1\.json: its SHA-256 [0-9a-f]{16}… is none of the 1 input hashes the manifest records$/,
  );
});

test('kubeproof verify (CLI) on an S3 run folder: exit 0, then 5 after an object is replaced', async (t) => {
  const { publicKey, privateKey } = keys();
  const { model, artifacts } = await runArtifacts();
  const all = [...artifacts, ...seal(model, artifacts, privateKey).artifacts];
  const s3 = await startS3(['reports']);
  t.teardown(() => s3.close());
  await uploadRun(s3.endpoint, 's3://reports/kp', model, all);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-verify-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(path.join(dir, 'cp-1.json'), 'raw kube-bench output');
  const args = [
    'verify',
    's3://reports/kp/test-cluster',
    '--s3-endpoint',
    s3.endpoint,
    '--s3-path-style',
    '--public-key',
    path.join(dir, 'pub.pem'),
  ];
  const ok = await runCli([...args, '--input', path.join(dir, 'cp-1.json')], { env: S3_ENV });
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.regex(ok.stdout, /signature: valid, signed by SHA256:/);
  t.regex(ok.stdout, /files: 4 ok, 0 changed, 0 missing/);
  t.regex(ok.stdout, /input .*cp-1\.json: matches kube-bench kb\/cp-1\.json/);
  // someone with write access replaces the HTML in the run folder
  const store = await openS3({ endpoint: s3.endpoint, pathStyle: true }, S3_ENV);
  t.teardown(() => store.close());
  const { location } = await loadBundleS3('s3://reports/kp/test-cluster', store);
  const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const c = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  t.teardown(() => c.destroy());
  await c.send(
    new PutObjectCommand({
      Bucket: 'reports',
      Key: `${location.replace('s3://reports/', '')}report.html`,
      Body: '<p>all green</p>',
    }),
  );
  const bad = await runCli(args, { env: S3_ENV });
  t.is(bad.code, 5);
  t.regex(bad.stdout, /ERROR {3}report\.html: content differs from the manifest/);
  t.regex(bad.stdout, /result: FAILED \(1 error\)/);
});

test('the cover line cites the report id and how to verify, never a hash it cannot know', (t) => {
  const line = coverIntegrityLine({ reportId: 'kp-20261123T020000Z-0123abcd' });
  t.regex(line, /report kp-20261123T020000Z-0123abcd .*manifest\.json.*kubeproof verify/);
  t.notRegex(line, /[0-9a-f]{64}/);
});
