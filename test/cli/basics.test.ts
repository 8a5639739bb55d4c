import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import test from 'ava';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/cli/node-flags.ts';
import { OPTIONS } from '../../src/config/options.ts';
import { TOOL_VERSION } from '../../src/version.ts';
import { BIN, runCli } from '../support/cli.ts';
import { tempDir } from '../support/kube-config.ts';

const KUBE_BENCH_FIXTURE = fileURLToPath(
  new URL('../fixtures/kube-bench/controls-object.json', import.meta.url),
);

test('--version prints the package version', async (t) => {
  const r = await runCli(['--version']);
  t.is(r.code, 0);
  t.is(r.stdout.trim(), TOOL_VERSION);
});

test('--help on every command, exit 0', async (t) => {
  for (const args of [['--help'], ['scan', '--help'], ['render', '--help'], ['validate', '--help']]) {
    const r = await runCli(args);
    t.is(r.code, 0, args.join(' '));
    t.regex(r.stdout, /Usage: kubeproof/);
  }
});

test('scan --help lists every option of the table with its environment variable', async (t) => {
  const r = await runCli(['scan', '--help']);
  const text = r.stdout.replace(/\s+/g, ' ');
  for (const def of OPTIONS.filter((o) => o.commands.includes('scan'))) {
    t.true(text.includes(def.flag.split(' ')[0]!), def.flag);
    if (def.env) t.true(text.includes(def.env), def.env);
  }
});

test('an unknown option is a usage error (exit 2)', async (t) => {
  const r = await runCli(['scan', '--frobnicate']);
  t.is(r.code, 2);
  t.regex(r.stderr, /unknown option '--frobnicate'/);
});

test('an invalid config file: exit 2, message with file and field, no stack trace', async (t) => {
  const dir = tempDir(t);
  const cfg = path.join(dir, 'kubeproof.yaml');
  await writeFile(cfg, 'deliver:\n  s3:\n    url: bucket-without-scheme\n');
  const r = await runCli(['scan', '--no-cluster', '--config', cfg, '--out', dir]);
  t.is(r.code, 2);
  t.regex(r.stderr, /kubeproof\.yaml/);
  t.regex(r.stderr, /deliver\.s3\.url: must look like s3:\/\/bucket\/prefix/);
  t.notRegex(r.stderr, /\n\s+at /);
});

test('validate --config refuses an unknown framework id, as scan would (exit 2, with the known ids)', async (t) => {
  const dir = tempDir(t);
  const bad = path.join(dir, 'bad.yaml');
  await writeFile(bad, 'frameworks: [pci, foo]\n');
  const r = await runCli(['validate', '--config', bad]);
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(r.stdout, /bad\.yaml: frameworks: unknown framework "foo"/);
  t.regex(r.stdout, /known: pci-dss-4\.0\.1, soc2-2017/);
  const good = path.join(dir, 'good.yaml');
  await writeFile(good, 'frameworks: [pci, nist]\n');
  const ok = await runCli(['validate', '--config', good]);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.regex(ok.stdout, /good\.yaml: ok/);
});

test("waiver files in the mappings folder's waivers/ are loaded (examples/ is not)", async (t) => {
  const dir = tempDir(t);
  const mappings = path.join(dir, 'mappings');
  await cp(fileURLToPath(new URL('../../mappings', import.meta.url)), mappings, { recursive: true });
  await writeFile(
    path.join(mappings, 'waivers', 'team.yaml'),
    [
      'waivers:',
      '  - id: W-TEAM-1',
      '    rule: kube-bench:*',
      '    reason: accepted while the control plane is rebuilt (ticket OPS-1)',
      '    owner: platform@example.com',
      '    expires: 2099-01-01',
      '',
    ].join('\n'),
  );
  const out = path.join(dir, 'out');
  const r = await runCli([
    'scan',
    '--no-cluster',
    '--mappings',
    mappings,
    '--kube-bench',
    KUBE_BENCH_FIXTURE,
    '--format',
    'json',
    '--out',
    out,
    '--previous',
    'none',
  ]);
  t.true(r.code === 0 || r.code === 4, r.stderr);
  const model = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as {
    governance?: { id?: string; kind?: string }[];
  };
  const ids = (model.governance ?? []).map((g) => g.id);
  t.true(ids.includes('W-TEAM-1'), JSON.stringify(model.governance));
  t.false(ids.includes('W-EXAMPLE-001'), 'examples/ is never loaded');
});

test('validate checks the shipped mappings', async (t) => {
  const r = await runCli(['validate']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /frameworks, \d+ controls, \d+ objectives/);
});

test('render refuses a file that is not a report, naming it', async (t) => {
  const dir = tempDir(t);
  const f = path.join(dir, 'other.json');
  await writeFile(f, JSON.stringify({ Controls: [] }));
  const r = await runCli(['render', f, '--out', dir]);
  t.is(r.code, 2);
  t.regex(r.stderr, /other\.json: not a kubeproof report/);
  const r2 = await runCli(['render', path.join(dir, 'missing.json'), '--out', dir]);
  t.is(r2.code, 2);
  t.regex(r2.stderr, /missing\.json: cannot read the report \(ENOENT\)/);
});

test('render re-renders without rewriting the report: report.json copied byte for byte, its hash on the cover', async (t) => {
  const dir = tempDir(t);
  const scanned = path.join(dir, 'scan');
  const s = await runCli([
    'scan',
    '--no-cluster',
    '--kube-bench',
    KUBE_BENCH_FIXTURE,
    '--format',
    'json',
    '--out',
    scanned,
    '--previous',
    'none',
  ]);
  t.is(s.code, 0, s.stderr);
  const original = await readFile(path.join(scanned, 'report.json'));
  const sha = createHash('sha256').update(original).digest('hex');
  // into its own folder, with a framework filter: the full report stays as it was
  const r = await runCli([
    'render',
    path.join(scanned, 'report.json'),
    '--format',
    'html',
    '--frameworks',
    'pci',
    '--out',
    scanned,
  ]);
  t.is(r.code, 0, r.stderr);
  t.true(
    Buffer.compare(await readFile(path.join(scanned, 'report.json')), original) === 0,
    'report.json unchanged',
  );
  const html = await readFile(path.join(scanned, 'report.html'), 'utf8');
  t.true(html.includes(sha), 'the HTML cover cites the SHA-256 of the report.json given');
  const manifest = JSON.parse(await readFile(path.join(scanned, 'manifest.json'), 'utf8')) as {
    artifacts: { filename: string; sha256: string }[];
  };
  t.is(manifest.artifacts.find((f) => f.filename === 'report.json')?.sha256, sha);
});

test('an unknown framework id is a usage error (exit 2) found before any collection', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['scan', '--no-cluster', '--demo', '--frameworks', 'pci,pcix', '--out', dir]);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /frameworks: unknown framework "pcix"/);
  t.regex(r.stderr, /known: pci-dss-4\.0\.1/);
  t.notRegex(r.stderr, /collecting kube-bench/);
});

test('a bad snapshot file fails only the cluster sources: the other inputs are still reported (exit 2)', async (t) => {
  const dir = tempDir(t);
  const snap = path.join(dir, 'cut.json');
  await writeFile(snap, '{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1",');
  const out = path.join(dir, 'out');
  const r = await runCli([
    'scan',
    '--demo',
    '--snapshot',
    snap,
    '--out',
    out,
    '--format',
    'json',
    '--previous',
    'none',
  ]);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /cut\.json: invalid JSON/);
  const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as {
    runs: { source: string; status: string; error?: { message: string } }[];
    findings: unknown[];
  };
  const status = Object.fromEntries(report.runs.map((x) => [x.source, x.status]));
  t.deepEqual(status, { 'audit-log': 'ok', 'kube-bench': 'ok', rbac: 'failed', workloads: 'failed' });
  t.regex(report.runs.find((x) => x.source === 'rbac')!.error!.message, /cut\.json/);
  t.true(report.findings.length > 0);
});

test('snapshot evidence traces to the snapshot file and its SHA-256, listed in the run inputs', async (t) => {
  const dir = tempDir(t);
  const snap = path.join(dir, 'pods.json');
  const body = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', namespace: 'a' },
        spec: { hostPID: true, containers: [{ name: 'c', image: 'x' }] },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', data: {} },
    ],
  });
  await writeFile(snap, body);
  const sha = createHash('sha256').update(body).digest('hex');
  const out = path.join(dir, 'out');
  const r = await runCli([
    'scan',
    '--snapshot',
    snap,
    '--out',
    out,
    '--format',
    'json',
    '--previous',
    'none',
  ]);
  t.is(r.code, 0, r.stderr);
  const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as {
    runs: { source: string; inputs: { path: string; sha256?: string }[]; notes: string[] }[];
    evidence: { kind: string; locator: { apiPath?: string; file?: string }; sha256?: string }[];
  };
  for (const run of report.runs) {
    t.deepEqual(
      run.inputs.filter((i) => i.sha256),
      [{ path: snap, sha256: sha, bytes: body.length, format: 'kubernetes-snapshot' }],
    );
    t.true(
      run.notes.some((n) => /skipped 1 entry that is not a Kubernetes object/.test(n)),
      run.notes.join('\n'),
    );
  }
  const pod = report.evidence.find((e) => e.locator.apiPath === '/api/v1/namespaces/a/pods/p');
  t.truthy(pod);
  t.is(pod!.locator.file, snap);
  t.is(pod!.sha256, sha);
});

test('a snapshot folder with one bad file: the rest is assessed, the cluster sources are partial (exit 2)', async (t) => {
  const dir = tempDir(t);
  const snaps = path.join(dir, 'snap');
  await mkdir(snaps);
  await writeFile(
    path.join(snaps, 'pods.json'),
    JSON.stringify([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', namespace: 'a' },
        spec: { hostPID: true, containers: [{ name: 'c', image: 'x' }] },
      },
    ]),
  );
  await writeFile(path.join(snaps, 'cut.yaml'), 'a: 1\na: 2\n');
  const out = path.join(dir, 'out');
  const r = await runCli([
    'scan',
    '--snapshot',
    snaps,
    '--out',
    out,
    '--format',
    'json',
    '--previous',
    'none',
  ]);
  t.is(r.code, 2, r.stderr);
  const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as {
    runs: { source: string; status: string; error?: { message: string } }[];
    findings: { source: string }[];
  };
  for (const run of report.runs) {
    t.is(run.status, 'partial');
    t.regex(
      run.error!.message,
      /1 snapshot file\(s\) could not be read and were skipped; first: .*cut\.yaml/,
    );
  }
  t.true(report.findings.some((f) => f.source === 'workloads'));
});

test('--kubescape and --audit-log inputs are never dropped silently: each has a run, a failed one names the file', async (t) => {
  const dir = tempDir(t);
  const ks = path.join(dir, 'ks.json');
  const audit = path.join(dir, 'audit.log');
  await writeFile(ks, '{}');
  await writeFile(audit, '{}\n');
  const out = path.join(dir, 'out');
  const r = await runCli([
    'scan',
    '--demo',
    '--kubescape',
    ks,
    '--audit-log',
    audit,
    '--out',
    out,
    '--format',
    'json',
    '--previous',
    'none',
  ]);
  const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as {
    runs: { source: string; status: string; error?: { message: string } }[];
  };
  for (const [source, file] of [
    ['kubescape', ks],
    ['audit-log', audit],
  ] as const) {
    const run = report.runs.find((x) => x.source === source);
    t.truthy(run, `${source} has a run`);
    if (run?.status === 'failed') {
      t.true(run.error!.message.includes(file), run.error!.message);
      t.not(r.code, 0);
    }
  }
});

test('a JSON syntax error never quotes the input (it may be part of a secret) in the report or on stderr', async (t) => {
  const dir = tempDir(t);
  const bad = path.join(dir, 'bad.json');
  await writeFile(bad, '{"apiVersion":"v1","kind":"Secret","data":{"x": S3cretPassw0rdXYZ}}');
  const out = path.join(dir, 'out');
  const r = await runCli([
    'scan',
    '--no-cluster',
    '--kube-bench',
    bad,
    '--out',
    out,
    '--format',
    'json,html',
    '--previous',
    'none',
  ]);
  t.is(r.code, 2);
  t.regex(r.stderr, /bad\.json: invalid JSON \(Unexpected token 'S': not valid JSON\)/);
  for (const text of [
    r.stderr,
    r.stdout,
    await readFile(path.join(out, 'report.json'), 'utf8'),
    await readFile(path.join(out, 'report.html'), 'utf8'),
  ]) {
    t.false(text.includes('S3cret'));
  }
});

test('bin/kubeproof starts node with exactly the V8 flags of src/cli/node-flags.ts', (t) => {
  const script = readFileSync(BIN, 'utf8');
  const exec = script.split('\n').find((l) => l.startsWith('exec node '));
  t.truthy(exec, 'bin/kubeproof ends in exec node ...');
  const flags = exec!.split(/\s+/).filter((w) => w.startsWith('--') && !w.startsWith('--disable-warning'));
  t.deepEqual(flags, [...NODE_FLAGS]);
});
