import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RBAC_RESOURCES } from '../../src/sources/rbac/index.ts';
import { WORKLOAD_RESOURCES } from '../../src/sources/workloads/index.ts';
import { allManifests, DEPLOY, parseYaml, ROOT } from './manifests.ts';
import type { Doc } from './manifests.ts';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const READ = new Set(['get', 'list', 'watch']);

/** What the live sources read, exactly (docs/deploy.md, "RBAC"). */
const EXPECTED_CLUSTER_READS: Record<string, string[]> = {
  '': [
    'limitranges',
    'namespaces',
    'nodes',
    'pods',
    'replicationcontrollers',
    'resourcequotas',
    'serviceaccounts',
    'services',
  ],
  apps: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'],
  batch: ['cronjobs', 'jobs'],
  'networking.k8s.io': ['networkpolicies'],
  'rbac.authorization.k8s.io': ['clusterrolebindings', 'clusterroles', 'rolebindings', 'roles'],
  'admissionregistration.k8s.io': ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'],
  'spdx.softwarecomposition.kubescape.io': [
    'configurationscansummaries',
    'workloadconfigurationscans',
    'workloadconfigurationscansummaries',
  ],
};

function rulesOf(doc: Doc): Rule[] {
  return (doc['rules'] as Rule[] | undefined) ?? [];
}

/** Group → sorted resources granted by the rules. */
function grants(rules: Rule[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const r of rules)
    for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) (out[g] ??= new Set()).add(res);
  return Object.fromEntries(Object.entries(out).map(([g, s]) => [g, [...s].sort()]));
}

const manifests = allManifests();
const clusterRoles = manifests.flatMap((m) =>
  m.docs.filter((d) => d.kind === 'ClusterRole').map((d) => ({ file: m.file, doc: d })),
);

test('every YAML file under deploy/ parses (Helm templates are checked rendered, in helm.test.ts)', (t) => {
  t.true(manifests.length >= 15, `found ${manifests.length} YAML files`);
  for (const m of manifests) t.true(m.docs.length > 0, `${path.relative(ROOT, m.file)} has no document`);
});

test('the ClusterRole path cited by error messages exists and holds the reader role', (t) => {
  const docs = parseYaml(path.join(DEPLOY, 'base', 'clusterrole.yaml'));
  t.is(docs.length, 1);
  t.is(docs[0]!.kind, 'ClusterRole');
});

test('every ClusterRole under deploy/ only reads: get/list/watch, never secrets, never *', (t) => {
  t.true(clusterRoles.length >= 1);
  for (const { file, doc } of clusterRoles) {
    const where = `${path.relative(ROOT, file)} ${doc.metadata?.name}`;
    t.is(doc['aggregationRule'], undefined, `${where}: aggregation could add rules`);
    for (const r of rulesOf(doc)) {
      for (const v of r.verbs ?? []) t.true(READ.has(v), `${where}: verb "${v}" is not read-only`);
      for (const res of r.resources ?? []) {
        t.not(res, '*', `${where}: wildcard resource`);
        t.false(/^secrets(\/|$)/.test(res), `${where}: grants ${res}`);
        t.false(/^configmaps(\/|$)/.test(res), `${where}: grants ${res} (ConfigMaps can hold credentials)`);
      }
      for (const g of r.apiGroups ?? []) t.not(g, '*', `${where}: wildcard API group`);
      t.is(r.nonResourceURLs, undefined, `${where}: nonResourceURLs`);
    }
  }
});

test('the ClusterRole grants exactly what the live sources read', (t) => {
  const base = clusterRoles.find((c) => c.file === path.join(DEPLOY, 'base', 'clusterrole.yaml'))!;
  const sorted = (o: Record<string, string[]>): Record<string, string[]> =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  t.deepEqual(sorted(grants(rulesOf(base.doc))), sorted(EXPECTED_CLUSTER_READS));
  for (const r of rulesOf(base.doc)) t.deepEqual([...(r.verbs ?? [])].sort(), ['get', 'list', 'watch']);
});

test('the namespaced Role manages only Jobs and reads only their pods and logs', (t) => {
  const roles = manifests.flatMap((m) => m.docs.filter((d) => d.kind === 'Role'));
  t.true(roles.length >= 1);
  for (const role of roles) {
    t.is(role.metadata?.namespace, 'kubeproof');
    const byResource: Record<string, string[]> = {};
    for (const r of rulesOf(role))
      for (const res of r.resources ?? []) byResource[res] = [...(r.verbs ?? [])].sort();
    t.deepEqual(byResource, {
      jobs: ['create', 'delete', 'get', 'list'],
      pods: ['get', 'list'],
      'pods/log': ['get'],
    });
  }
});

test("no RoleBinding or ClusterRoleBinding binds to a role outside kubeproof's own", (t) => {
  const bindings = manifests.flatMap((m) =>
    m.docs.filter((d) => d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding'),
  );
  t.true(bindings.length >= 2);
  for (const b of bindings) {
    const ref = b['roleRef'] as { kind: string; name: string };
    t.true(
      ['kubeproof-reader', 'kubeproof-jobs'].includes(ref.name),
      `${b.kind} ${b.metadata?.name} → ${ref.kind} ${ref.name}`,
    );
    const subjects = b['subjects'] as { kind: string; name: string; namespace: string }[];
    t.deepEqual(subjects, [{ kind: 'ServiceAccount', name: 'kubeproof', namespace: 'kubeproof' }]);
  }
});

test('docs/deploy.md explains every permission the ClusterRole and the Role grant', (t) => {
  const doc = readFileSync(path.join(ROOT, 'docs', 'deploy.md'), 'utf8');
  const rbac = doc.slice(doc.indexOf('## RBAC'));
  for (const [group, resources] of Object.entries(EXPECTED_CLUSTER_READS)) {
    for (const r of resources)
      t.true(rbac.includes(`\`${r}\``), `docs/deploy.md does not explain ${group}/${r}`);
  }
  for (const r of ['jobs', 'pods', 'pods/log']) t.true(rbac.includes(`\`${r}\``), r);
  t.true(rbac.includes('deploy/base/clusterrole.yaml'));
});

test('every list a live source reads is granted by the ClusterRole (no 403 by design)', (t) => {
  const base = clusterRoles.find((c) => c.file === path.join(DEPLOY, 'base', 'clusterrole.yaml'))!;
  const granted = grants(rulesOf(base.doc));
  const reads = [
    ...Object.values(WORKLOAD_RESOURCES),
    ...Object.values(RBAC_RESOURCES),
    { group: '', plural: 'nodes' }, // src/jobs: the nodes kube-bench Jobs run on
  ];
  for (const r of reads)
    t.true(granted[r.group]?.includes(r.plural), `${r.group || 'core'}/${r.plural} is read but not granted`);
});
