import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';

async function tmpFile(
  t: { teardown: (fn: () => Promise<void>) => void },
  name: string,
  text: string,
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-cfg-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const f = path.join(dir, name);
  await writeFile(f, text);
  return f;
}

test('defaults', async (t) => {
  const c = await loadConfig({});
  t.deepEqual(c.formats, ['json', 'html']);
  t.is(c.out, 'kubeproof-report');
  t.true(c.cluster.enabled);
  t.is(c.failOn, 'none');
});

test('flags win over environment, environment over the file', async (t) => {
  const f = await tmpFile(
    t,
    'k.yaml',
    'out: from-file\nclusterName: file-name\nformats: [json]\npaper: letter\n',
  );
  const c = await loadConfig({
    file: f,
    env: { KUBEPROOF_OUT: 'from-env', KUBEPROOF_CLUSTER_NAME: 'env-name' },
    flags: { out: 'from-flag' },
  });
  t.is(c.out, 'from-flag');
  t.is(c.clusterName, 'env-name');
  t.deepEqual(c.formats, ['json']);
  t.is(c.paper, 'letter');
});

test('framework aliases expand; comma lists from the environment', async (t) => {
  const c = await loadConfig({ env: { KUBEPROOF_FRAMEWORKS: 'pci, nist', KUBEPROOF_FORMAT: 'json,pdf' } });
  t.deepEqual(c.frameworks, ['pci-dss-4.0.1', 'nist-800-53-r5']);
  t.deepEqual(c.formats, ['json', 'pdf']);
});

test('errors carry the field path and the file', async (t) => {
  const f = await tmpFile(
    t,
    'bad.yaml',
    'deliver:\n  s3:\n    url: http://bucket\n  email:\n    smtpUrl: smtp://mail:25\n',
  );
  const err = await t.throwsAsync(loadConfig({ file: f }), { instanceOf: ConfigError });
  t.regex(err.message, /bad\.yaml/);
  t.regex(err.message, /deliver\.s3\.url: must look like s3:\/\/bucket\/prefix/);
  t.regex(err.message, /deliver\.email\.to: required when deliver\.email\.smtpUrl is set/);
});

test('unknown keys and wrong types are named', async (t) => {
  const f = await tmpFile(t, 'bad.yaml', 'formats: [json, docx]\nclustr: x\ncluster:\n  pageSize: "many"\n');
  const err = await t.throwsAsync(loadConfig({ file: f }), { instanceOf: ConfigError });
  t.regex(err.message, /formats\[1\]: must be one of/);
  t.regex(err.message, /\(root\): unknown field "clustr"|unknown field "clustr"/);
  t.regex(err.message, /cluster\.pageSize: expected number, got string/);
});

test('invalid YAML and a missing file are clear errors', async (t) => {
  const f = await tmpFile(t, 'broken.yaml', 'out: [\n');
  await t.throwsAsync(loadConfig({ file: f }), {
    instanceOf: ConfigError,
    message: /broken\.yaml: invalid YAML/,
  });
  await t.throwsAsync(loadConfig({ file: '/nonexistent/kubeproof.yaml' }), {
    instanceOf: ConfigError,
    message: /\/nonexistent\/kubeproof\.yaml: cannot read the config file \(ENOENT\)/,
  });
});

test('bad booleans in the environment name the variable', async (t) => {
  await t.throwsAsync(loadConfig({ env: { KUBEPROOF_S3_PATH_STYLE: 'maybe' } }), {
    instanceOf: ConfigError,
    message: /KUBEPROOF_S3_PATH_STYLE: expected true or false, got "maybe"/,
  });
});

test('period bounds are validated', async (t) => {
  const err = await t.throwsAsync(
    loadConfig({ flags: { 'period.since': '2026-12-01', 'period.until': '2026-11-01' } }),
  );
  t.regex(err.message, /period\.since: is after period\.until/);
  const err2 = await t.throwsAsync(loadConfig({ flags: { 'period.since': 'yesterday' } }));
  t.regex(err2.message, /period\.since: expected a date/);
});
