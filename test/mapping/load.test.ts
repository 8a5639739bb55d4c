import test from 'ava';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MappingError } from '../../src/errors.ts';
import { DEFAULT_MAPPINGS_DIR, loadMappings, readMappings } from '../../src/mapping/load.ts';
import { ruleKey } from '../../src/mapping/types.ts';

const MINI = fileURLToPath(new URL('../fixtures/mappings-mini/', import.meta.url));

async function copyMini(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-map-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await cp(MINI, dir, { recursive: true });
  return dir;
}

test('loads frameworks, objectives, rule maps and benchmarks', async (t) => {
  const b = await loadMappings(MINI);
  t.is(b.version, '2026.01.01');
  t.regex(b.sha256, /^[0-9a-f]{64}$/);
  t.deepEqual(
    b.frameworks.map((f) => f.id),
    ['pci-dss-4.0.1', 'nist-800-53-r5'],
  );
  t.is(b.objectives.size, 4);
  t.deepEqual(b.rules.get(ruleKey('kube-bench', 'cis-1.10', '1.2.16'))?.objectives, [
    'k8s.apiserver.audit-log-enabled',
  ]);
  t.is(
    b.rules.get(ruleKey('kube-bench', 'cis-1.10', '5.6.1'))?.outOfScope,
    'Namespace design is organisational.',
  );
  t.deepEqual(b.benchmarks.get('cis-1.10')?.aliases, ['cis-1.10', '1.10']);
  t.is(b.benchmarks.get('cis-1.10')?.fingerprints.get('1.2.16'), 'bbbbbbbbbbbb');
});

test('the bundle hash changes when any mapping file changes', async (t) => {
  const dir = await copyMini(t);
  const before = (await loadMappings(dir)).sha256;
  const f = path.join(dir, 'objectives/test.yaml');
  await writeFile(f, (await readFile(f, 'utf8')).replace('severity: medium', 'severity: low'));
  t.not((await loadMappings(dir)).sha256, before);
});

test('a link to a control that does not exist is an error naming file, objective and control', async (t) => {
  const dir = await copyMini(t);
  const f = path.join(dir, 'objectives/test.yaml');
  await writeFile(f, (await readFile(f, 'utf8')).replace('nist-800-53-r5/AC-14', 'nist-800-53-r5/AC-1400'));
  const err = await t.throwsAsync(loadMappings(dir), { instanceOf: MappingError });
  t.regex(
    err.message,
    /mappings\/objectives\/test\.yaml: k8s\.apiserver\.anonymous-auth-disabled\.links\[0\]\.control: "AC-1400" is not a control of nist-800-53-r5/,
  );
});

test('an unknown field, a bad enum and a missing NIST link are each reported with their path', async (t) => {
  const dir = await copyMini(t);
  const f = path.join(dir, 'objectives/test.yaml');
  let text = await readFile(f, 'utf8');
  text = text
    .replace('relationship: equal', 'relationship: same')
    .replace('severity: critical', 'severity: critical\n    owner: me');
  await writeFile(f, text);
  const { errors } = await readMappings(dir);
  t.true(
    errors.some((e) =>
      /objectives\[2\]\.links\[0\]\.relationship: must be one of "equal", "subset", "superset", "intersects"/.test(
        e,
      ),
    ),
    errors.join('\n'),
  );
  t.true(
    errors.some((e) => /objectives\[3\]: unknown field "owner"/.test(e)),
    errors.join('\n'),
  );
});

test('an objective without a NIST link is rejected', async (t) => {
  const dir = await copyMini(t);
  const f = path.join(dir, 'objectives/test.yaml');
  await writeFile(
    f,
    (await readFile(f, 'utf8')).replace('control: nist-800-53-r5/AC-14', 'control: pci-dss-4.0.1/10.2.1'),
  );
  const { errors } = await readMappings(dir);
  t.true(
    errors.some((e) => /anonymous-auth-disabled\.links: every objective must link at least one NIST/.test(e)),
  );
});

test('a rule mapped to an unknown objective, duplicate ids and invalid YAML are errors', async (t) => {
  const dir = await copyMini(t);
  await writeFile(
    path.join(dir, 'sources/rbac.yaml'),
    'source: rbac\nrules:\n  rbac.x: { objectives: [k8s.nope.nothing] }\n',
  );
  const fw = path.join(dir, 'frameworks/pci.yaml');
  await writeFile(fw, (await readFile(fw, 'utf8')) + "  - { id: '10.2.1', title: Again, family: '10' }\n");
  await writeFile(path.join(dir, 'objectives/broken.yaml'), 'objectives: [\n');
  const { errors } = await readMappings(dir);
  t.true(
    errors.some((e) => /rbac rule rbac\.x: unknown objective "k8s\.nope\.nothing"/.test(e)),
    errors.join('\n'),
  );
  t.true(
    errors.some((e) => /pci\.yaml: controls\[3\]\.id: "10\.2\.1" is defined twice/.test(e)),
    errors.join('\n'),
  );
  t.true(
    errors.some((e) => /objectives\/broken\.yaml: invalid YAML/.test(e)),
    errors.join('\n'),
  );
});

test('the shipped mappings load without errors', async (t) => {
  const { errors, bundle } = await readMappings(DEFAULT_MAPPINGS_DIR);
  t.deepEqual(errors, []);
  t.true(bundle.frameworks.length >= 0);
});
