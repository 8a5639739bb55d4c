import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { InputError } from '../../src/errors.ts';
import { listMany } from '../../src/kube/client.ts';
import { knownResource } from '../../src/kube/resources.ts';
import { loadSnapshot, resourceRefFor } from '../../src/kube/snapshot.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { tempDir } from '../support/kube-config.ts';
import { projectRoot } from '../support/kube-shared.ts';

const FIX = path.join(projectRoot, 'test/fixtures/kube');
const res = (group: string, plural: string) => knownResource(group, plural)!;

async function all(gen: AsyncIterable<KubeObject>): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

test('a directory: Lists, typed lists, arrays, multi-document YAML, nested folders; non-k8s entries noted', async (t) => {
  const snap = loadSnapshot([path.join(FIX, 'snapshot')]);
  t.deepEqual(
    snap.files.map((f) => path.relative(FIX, f)),
    [
      'snapshot/nested/namespace.yml',
      'snapshot/nested/workloads.yaml',
      'snapshot/pods-list.json',
      'snapshot/rbac-array.json',
      'snapshot/typed-podlist.json',
    ],
    'README.txt ignored, order stable',
  );
  t.deepEqual(snap.counts(), [
    { group: '', plural: 'namespaces', kind: 'Namespace', count: 1 },
    { group: '', plural: 'pods', kind: 'Pod', count: 3 },
    { group: '', plural: 'secrets', kind: 'Secret', count: 1 },
    { group: 'apps', plural: 'deployments', kind: 'Deployment', count: 1 },
    { group: 'networking.k8s.io', plural: 'networkpolicies', kind: 'NetworkPolicy', count: 1 },
    {
      group: 'rbac.authorization.k8s.io',
      plural: 'clusterrolebindings',
      kind: 'ClusterRoleBinding',
      count: 1,
    },
    { group: 'rbac.authorization.k8s.io', plural: 'clusterroles', kind: 'ClusterRole', count: 1 },
  ]);
  const pods = await all(snap.listAll(res('', 'pods')));
  t.deepEqual(
    pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
    ['monitoring/agent-x', 'shop/db-0', 'shop/web-1'],
  );
  t.like(pods[0], { apiVersion: 'v1', kind: 'Pod' }, 'items of a typed PodList get apiVersion/kind');
  t.is(snap.notes.length, 1);
  t.regex(
    snap.notes[0]!,
    /workloads\.yaml: skipped 1 entry that is not a Kubernetes object \(no apiVersion, kind or metadata\.name\)$/,
  );
  t.deepEqual(snap.identity(), { name: 'snapshot', server: '', source: 'snapshot', files: snap.files });
  t.is(await snap.serverVersion(), undefined);
});

test('namespace and selectors filter like the API', async (t) => {
  const snap = loadSnapshot([path.join(FIX, 'snapshot')]);
  t.deepEqual(
    (await all(snap.listAll(res('', 'pods'), { namespace: 'shop' }))).map((p) => p.metadata.name),
    ['db-0', 'web-1'],
  );
  t.deepEqual(
    (await all(snap.listAll(res('', 'pods'), { labelSelector: 'app=web,tier' }))).map((p) => p.metadata.name),
    ['web-1'],
  );
  t.deepEqual(
    (await all(snap.listAll(res('', 'pods'), { fieldSelector: 'status.phase=Pending' }))).map(
      (p) => p.metadata.name,
    ),
    ['db-0'],
  );
  t.deepEqual(
    (await all(snap.listAll(res('', 'namespaces'), { namespace: 'shop' }))).length,
    1,
    'namespace filter ignored for cluster-scoped',
  );
});

test('Secret values are redacted at load time, keys kept; last-applied annotation too', async (t) => {
  const snap = loadSnapshot([path.join(FIX, 'snapshot/pods-list.json')]);
  const [secret] = await all(snap.listAll(res('', 'secrets')));
  t.deepEqual(secret!['data'], { password: '[REDACTED]', username: '[REDACTED]' });
  t.is(secret!.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'], '[REDACTED]');
  t.false(JSON.stringify(snap.list(res('', 'secrets'))).includes('aHVudGVyMg'));
});

test('resourceAvailable: true when present, unknown (undefined) when absent', async (t) => {
  const snap = loadSnapshot([path.join(FIX, 'snapshot/rbac-array.json')]);
  t.true(await snap.resourceAvailable(res('rbac.authorization.k8s.io', 'clusterroles')));
  t.is(await snap.resourceAvailable(res('', 'pods')), undefined);
  t.deepEqual(await all(snap.listAll(res('', 'pods'))), []);
});

test('repeatable paths, gzip, duplicates kept once with a note', (t) => {
  const dir = tempDir(t);
  const gz = path.join(dir, 'pods.json.gz');
  writeFileSync(gz, gzipSync(readFileSync(path.join(FIX, 'snapshot/pods-list.json'))));
  const plain = path.join(dir, 'copy.json');
  copyFileSync(path.join(FIX, 'snapshot/pods-list.json'), plain);
  const snap = loadSnapshot([gz, plain]);
  t.is(snap.list(res('', 'pods')).length, 2);
  t.true(snap.notes.some((n) => /3 duplicate object\(s\)/.test(n)));
});

test('a single object file without a known extension is sniffed', (t) => {
  const dir = tempDir(t);
  const f = path.join(dir, 'dump');
  writeFileSync(f, 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: ci, namespace: build}\n');
  t.is(loadSnapshot([f]).list(res('', 'serviceaccounts'))[0]!.metadata.name, 'ci');
});

test('unparseable YAML names the file and the document', (t) => {
  const file = path.join(FIX, 'broken/second-doc.yaml');
  const err = t.throws(() => loadSnapshot([file]), { instanceOf: InputError });
  t.is(err.file, file);
  t.is(err.path, 'document 2');
  t.regex(err.message, /second-doc\.yaml: document 2: invalid YAML: /);
  t.notRegex(err.message, /:\s*$/, 'no dangling colon where the YAML library put its code excerpt');
});

test('truncated JSON names the file', (t) => {
  const file = path.join(FIX, 'broken/truncated.json');
  const err = t.throws(() => loadSnapshot([file]), { instanceOf: InputError });
  t.regex(err.message, /truncated\.json: invalid JSON: /);
  t.regex(err.hint!, /kubectl get -o json/);
});

test('a missing path and an empty directory', (t) => {
  const err = t.throws(() => loadSnapshot(['/nonexistent/dump.json']), { instanceOf: InputError });
  t.is(err.message, '/nonexistent/dump.json: no such file or directory');
  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'empty'));
  const snap = loadSnapshot([path.join(dir, 'empty')]);
  t.regex(snap.notes[0]!, /holds no \.json, \.yaml or \.yml files/);
});

test('the snapshot reader works with listMany like the live client', async (t) => {
  const snap = loadSnapshot([path.join(FIX, 'snapshot')]);
  const results = await listMany(snap, [
    res('apps', 'deployments'),
    res('networking.k8s.io', 'networkpolicies'),
  ]);
  t.deepEqual(
    results.map((r) => ('items' in r ? r.items.map((i) => i.metadata.name) : [])),
    [['web'], ['default-deny']],
  );
});

test('resourceRefFor maps apiVersion/kind to a list-able ref', (t) => {
  t.deepEqual(resourceRefFor('rbac.authorization.k8s.io/v1', 'ClusterRole', false), {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterroles',
    namespaced: false,
    kind: 'ClusterRole',
  });
  t.is(resourceRefFor('example.com/v1', 'NetworkPolicy', true).plural, 'networkpolicies');
  t.is(resourceRefFor('example.com/v1', 'Gateway', true).plural, 'gateways');
});

test('each file is hashed as read, and an object API path leads back to its file', (t) => {
  const snap = loadSnapshot([path.join(FIX, 'snapshot')]);
  const pods = path.join(FIX, 'snapshot/pods-list.json');
  const rec = snap.fileRecords.find((f) => f.path === pods);
  t.truthy(rec);
  t.is(rec!.sha256, createHash('sha256').update(readFileSync(pods)).digest('hex'));
  t.is(rec!.bytes, readFileSync(pods).length);
  t.is(snap.fileFor('/api/v1/namespaces/shop/pods/web-1'), pods);
  t.is(
    snap.fileFor('/apis/rbac.authorization.k8s.io/v1/clusterroles/wildcard-admin'),
    path.join(FIX, 'snapshot/rbac-array.json'),
  );
  t.is(snap.fileFor('/api/v1/namespaces/shop/pods/absent'), undefined);
  t.is(snap.fileFor('/version'), undefined);
});

test('a directory with one unparseable file: the others are read, the bad one is recorded; all bad throws', (t) => {
  const dir = tempDir(t);
  copyFileSync(path.join(FIX, 'snapshot/pods-list.json'), path.join(dir, 'a-pods.json'));
  copyFileSync(path.join(FIX, 'broken/truncated.json'), path.join(dir, 'b-cut.json'));
  const snap = loadSnapshot([dir]);
  t.true(snap.list(res('', 'pods')).length > 0);
  t.is(snap.failed.length, 1);
  t.regex(snap.failed[0]!.message, /b-cut\.json: invalid JSON/);
  const bad = tempDir(t);
  copyFileSync(path.join(FIX, 'broken/truncated.json'), path.join(bad, 'cut.json'));
  t.throws(() => loadSnapshot([bad]), { instanceOf: InputError, message: /cut\.json: invalid JSON/ });
});

test("another tool's output given as a snapshot is an InputError naming the file and the tool", (t) => {
  const dir = tempDir(t);
  const kb = path.join(dir, 'kb.json');
  writeFileSync(kb, JSON.stringify({ Controls: [{ id: '1', tests: [] }], Totals: {} }));
  const err = t.throws(() => loadSnapshot([kb]), { instanceOf: InputError });
  t.is(err.message, `${kb}: holds no Kubernetes objects (this looks like kube-bench output)`);
  t.regex(err.hint!, /--kube-bench/);
  // An empty List is a legitimate (empty) snapshot, not an error.
  const empty = path.join(dir, 'empty.json');
  writeFileSync(empty, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [] }));
  t.is(loadSnapshot([empty]).files.length, 1);
});
