/**
 * Conformance: the snapshot reader over real third-party dumps in ../shared/fixtures (read in place,
 * never copied). Skips with a message when the folder is absent.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { InputError } from '../../src/errors.ts';
import { knownResource } from '../../src/kube/resources.ts';
import { loadSnapshot } from '../../src/kube/snapshot.ts';
import { sharedFixtures } from '../support/kube-shared.ts';

const dumps = sharedFixtures('cluster-dumps');
const rbac = sharedFixtures('rbac');
const res = (group: string, plural: string) => knownResource(group, plural)!;

if (!dumps || !rbac) {
  test('conformance: shared fixtures absent', (t) => {
    t.log(
      'skipped: ../shared/fixtures/{cluster-dumps,rbac} not found (set KUBEPROOF_SHARED=/path/to/shared)',
    );
    t.true(dumps === undefined || rbac === undefined);
  });
} else {
  test('KubeHound kind dump (kubectl List JSON per resource and namespace)', (t) => {
    const files = readdirSync(dumps)
      .filter((f) => f.startsWith('kubehound-kind_'))
      .map((f) => path.join(dumps, f));
    const snap = loadSnapshot(files);
    const pods = snap.list(res('', 'pods'));
    t.true(pods.length > 10);
    t.truthy(pods.find((p) => p.metadata.name === 'priv-pod' && p.metadata.namespace === 'default'));
    t.true(snap.list(res('', 'nodes')).length >= 1);
    t.true(snap.list(res('rbac.authorization.k8s.io', 'clusterroles')).length > 50);
    t.true(snap.list(res('rbac.authorization.k8s.io', 'roles'), { namespace: 'kube-system' }).length > 0);
    t.true(snap.list(res('', 'pods')).every((p) => p.kind === 'Pod' && p.apiVersion === 'v1'));
    t.deepEqual(snap.notes, []);
  });

  test('KubiScan combined dump: JSON array of Lists and the same as multi-document YAML agree; Secret values redacted', (t) => {
    const fromJson = loadSnapshot([path.join(dumps, 'kubiscan_combined.json')]);
    const fromYaml = loadSnapshot([path.join(dumps, 'kubiscan_combined.yaml')]);
    t.deepEqual(fromJson.counts(), fromYaml.counts());
    const counts = Object.fromEntries(fromJson.counts().map((c) => [c.plural, c.count]));
    t.like(counts, {
      roles: 12,
      rolebindings: 12,
      clusterroles: 68,
      clusterrolebindings: 55,
      secrets: 1,
      pods: 11,
    });
    const secret = fromJson.list(res('', 'secrets'))[0]!;
    t.true(Object.values(secret['data'] as Record<string, string>).every((v) => v === '[REDACTED]'));
    t.false(JSON.stringify(fromYaml.list(res('', 'secrets'))).includes('eyJ'), 'no service-account JWT kept');
  });

  test('opa-utils resource mocks: bare array of objects; the ServiceAccount mock without apiVersion is skipped with a note', (t) => {
    const snap = loadSnapshot([path.join(dumps, 'opa-utils_resourcemocks.json')]);
    const kinds = snap.counts().map((c) => c.kind);
    for (const k of [
      'Role',
      'RoleBinding',
      'ClusterRole',
      'ClusterRoleBinding',
      'Secret',
      'Pod',
      'Deployment',
      'DaemonSet',
      'Node',
    ]) {
      t.true(kinds.includes(k), k);
    }
    // Kubescape's mock ServiceAccount has no apiVersion (a "relatedObjects" wrapper): not an API object.
    t.false(kinds.includes('ServiceAccount'));
    t.deepEqual(snap.notes, [
      `${path.join(dumps, 'opa-utils_resourcemocks.json')}: skipped 1 entry that is not a Kubernetes object (no apiVersion, kind or metadata.name)`,
    ]);
    const secret = snap.list(res('', 'secrets'))[0]!;
    t.true(Object.values(secret['data'] as Record<string, string>).every((v) => v === '[REDACTED]'));
  });

  test('the whole cluster-dumps folder loads; duplicates across files are noted', (t) => {
    const snap = loadSnapshot([dumps]);
    t.is(snap.files.length, readdirSync(dumps).filter((f) => /\.(json|ya?ml)$/.test(f)).length);
    t.true(
      snap.notes.some((n) => /duplicate object\(s\)/.test(n)),
      'kubiscan json and yaml hold the same objects',
    );
  });

  test('rbac folder: bootstrap-policy List YAML, single objects, multi-document YAML', (t) => {
    const files = readdirSync(rbac)
      .filter((f) => f !== 'kubiscan_risky_roles.yaml')
      .map((f) => path.join(rbac, f));
    const snap = loadSnapshot(files);
    t.truthy(
      snap
        .list(res('rbac.authorization.k8s.io', 'clusterroles'))
        .find((r) => r.metadata.name === 'cluster-admin'),
    );
    t.true(snap.list(res('rbac.authorization.k8s.io', 'clusterrolebindings')).length > 10);
    t.true(snap.list(res('rbac.authorization.k8s.io', 'rolebindings')).length > 0);
    t.true(snap.list(res('rbac.authorization.k8s.io', 'roles'), { namespace: 'kube-system' }).length > 0);
  });

  test('rbac folder: the KubiScan rule catalogue (duplicate YAML keys) is an InputError naming file and document', (t) => {
    const file = path.join(rbac, 'kubiscan_risky_roles.yaml');
    const err = t.throws(() => loadSnapshot([file]), { instanceOf: InputError });
    t.is(err.file, file);
    t.is(err.path, 'document 1');
    t.regex(err.message, /invalid YAML: Map keys must be unique/);
    // In the folder it is skipped and recorded; the other files are read.
    const snap = loadSnapshot([rbac]);
    t.deepEqual(
      snap.failed.map((e) => e.file),
      [file],
    );
    t.true(snap.list(res('rbac.authorization.k8s.io', 'clusterroles')).length > 0);
  });
}
