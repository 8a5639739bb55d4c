import test from 'ava';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import {
  analyzeRbac,
  effectiveGrants,
  grantsForIdentity,
  indexGrants,
  rbacSource,
  RBAC_RESOURCES,
  RBAC_RULE_IDS,
  type ResourceDescriptor,
} from '../../../src/sources/rbac/index.ts';
import { memoryLogger } from '../../../src/util/log.ts';
import type { MappingBundle } from '../../../src/mapping/types.ts';
import { fixedNow, fixture, loadObjects, rbacObjects, sharedFixtures } from './helpers.ts';

const violations = loadObjects(fixture('rbac', 'violations.yaml'));

/** rule id → the subject key (or binding) the violations fixture grants it to. */
const EXPECTED: [string, string, string, string?][] = [
  ['rbac.cluster-admin-binding', 'User', 'alice'],
  ['rbac.wildcard-verbs', 'Role', 'verbs-star', 'team-a'],
  ['rbac.wildcard-resources', 'Role', 'resources-star', 'team-a'],
  ['rbac.secrets-read', 'ServiceAccount', 'ci', 'team-a'],
  ['rbac.exec-attach-portforward', 'Group', 'oncall'],
  ['rbac.escalate-bind-impersonate', 'User', 'ivan'],
  ['rbac.pod-create', 'ServiceAccount', 'deployer', 'team-a'],
  ['rbac.nodes-proxy', 'ServiceAccount', 'metrics', 'monitoring'],
  ['rbac.pv-create', 'User', 'paul'],
  ['rbac.csr-approval', 'User', 'carla'],
  ['rbac.webhook-config', 'User', 'walter'],
  ['rbac.sa-token-create', 'User', 'tom'],
  ['rbac.anonymous-grant', 'User', 'system:anonymous'],
  ['rbac.authenticated-broad-grant', 'Group', 'system:authenticated'],
  ['rbac.default-sa-bound', 'ServiceAccount', 'default', 'team-b'],
  ['rbac.dangling-binding', 'RoleBinding', 'stale', 'team-b'],
  ['rbac.dangling-binding', 'RoleBinding', 'ghost-sa', 'team-b'],
];

test('every rule fires on its hand-written positive fixture, for the expected subject', (t) => {
  const out = analyzeRbac(rbacObjects(violations, true), fixedNow);
  const fails = out.findings.filter((f) => f.status === 'fail');
  for (const [rule, kind, name, ns] of EXPECTED) {
    const hit = fails.find(
      (f) =>
        f.ruleId === rule &&
        f.resource?.kind === kind &&
        f.resource.name === name &&
        f.resource.namespace === ns,
    );
    t.truthy(hit, `${rule} for ${kind} ${ns ?? ''}/${name}`);
  }
  t.deepEqual(
    [...new Set(fails.map((f) => f.ruleId))].sort(),
    [...RBAC_RULE_IDS].sort(),
    'every rule has a positive case',
  );
  // No rule fires with a PASS when it also failed.
  for (const id of RBAC_RULE_IDS) {
    t.false(
      out.findings.some((f) => f.ruleId === id && f.status === 'pass'),
      id,
    );
  }
});

test('one finding per (rule, subject): alice (cluster-admin) is one finding per rule however many rules match', (t) => {
  const out = analyzeRbac(rbacObjects(violations, true), fixedNow);
  const keys = out.findings.map(
    (f) => `${f.ruleId}|${f.resource?.kind}|${f.resource?.namespace}|${f.resource?.name}`,
  );
  t.is(new Set(keys).size, keys.length);
  t.is(new Set(out.findings.map((f) => f.id)).size, out.findings.length);
  const alice = out.findings.filter((f) => f.resource?.name === 'alice').map((f) => f.ruleId);
  t.true(alice.includes('rbac.cluster-admin-binding'));
  t.true(alice.includes('rbac.secrets-read'), 'cluster-admin implies secrets read');
});

test('evidence: binding and role api-objects with API paths, and a who-can view', (t) => {
  const out = analyzeRbac(rbacObjects(violations, true), fixedNow);
  const f = out.findings.find(
    (x) => x.ruleId === 'rbac.cluster-admin-binding' && x.resource?.name === 'alice',
  );
  t.truthy(f);
  const ev = out.evidence.filter((e) => f?.evidenceIds.includes(e.id));
  const paths = ev
    .map((e) => e.locator.apiPath)
    .filter(Boolean)
    .sort();
  t.deepEqual(paths, [
    '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/alice-admin',
    '/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin',
  ]);
  t.true(ev.every((e) => e.kind === 'api-object' || e.kind === 'derived'));
  const whoCan = ev.find((e) => e.kind === 'derived') as
    { excerpt: { subjects: { subject: string }[] } } | undefined;
  t.truthy(whoCan);
  t.true(whoCan?.excerpt.subjects.some((s) => s.subject === 'User:alice'));
  for (const e of out.evidence) t.is(e.collectedAt, '2026-11-23T12:00:00.000Z');
  const rb = out.evidence.find(
    (e) =>
      e.locator.apiPath === '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings/read-secrets',
  );
  t.truthy(rb, 'RoleBinding path is namespaced');
});

test('negative fixture: least-privilege grants and aggregation raise no failing finding and every rule passes', (t) => {
  const out = analyzeRbac(rbacObjects(loadObjects(fixture('rbac', 'clean.yaml')), true), fixedNow);
  t.deepEqual(
    out.findings.filter((f) => f.status !== 'pass').map((f) => f.ruleId),
    [],
  );
  t.deepEqual(out.findings.map((f) => f.ruleId).sort(), [...RBAC_RULE_IDS].sort());
  for (const f of out.findings) t.deepEqual(f.resource, { kind: 'Cluster', name: 'rbac' });
  t.true(
    out.findings.every((f) => f.evidenceIds.length > 0),
    'passes cite evidence',
  );
});

test('ClusterRole aggregation: a secret-reading role aggregated in is attributed to the binding subject', (t) => {
  const objs = loadObjects(fixture('rbac', 'clean.yaml'));
  objs.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'sneaky', labels: { 'example.com/aggregate-to-app-viewer': 'true' } },
    rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }],
  });
  const out = analyzeRbac(rbacObjects(objs, true), fixedNow);
  const hits = out.findings.filter((f) => f.ruleId === 'rbac.secrets-read' && f.status === 'fail');
  t.deepEqual(hits.map((f) => `${f.resource?.kind}:${f.resource?.name}`).sort(), [
    'Group:shop-devs',
    'ServiceAccount:frontend',
  ]);
  t.is(hits[0]?.properties?.['scope'], 'namespace');
});

test('absence of data is never a pass: empty input yields no PASS finding and says why', (t) => {
  const out = analyzeRbac(
    { roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [] },
    fixedNow,
  );
  t.is(out.findings.length, 0);
  t.true(out.notes.some((n) => n.includes('PASS findings withheld')));
});

test('malformed objects are skipped with a path, the run is partial and passes are withheld', (t) => {
  const objs = rbacObjects(loadObjects(fixture('rbac', 'clean.yaml')), true);
  objs.clusterRoles = [...objs.clusterRoles, { metadata: { name: 'bad' }, rules: [{ verbs: 'get' }] }];
  const out = analyzeRbac(objs, fixedNow);
  t.truthy(out.partialError);
  t.regex(
    out.partialError?.message ?? '',
    /clusterroles\[2\]\.rules\[0\]\.verbs: expected array, got string/,
  );
  t.false(out.findings.some((f) => f.status === 'pass'));
});

test('a user binding cluster-admin named with a system: prefix to a user is still flagged', (t) => {
  const objs = loadObjects(fixture('rbac', 'violations.yaml')).slice(0, 1);
  objs.push({
    kind: 'ClusterRoleBinding',
    metadata: { name: 'system:sneaky' },
    roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'User', name: 'mallory' }],
  });
  const out = analyzeRbac(rbacObjects(objs), fixedNow);
  t.truthy(
    out.findings.find(
      (f) =>
        f.ruleId === 'rbac.cluster-admin-binding' && f.resource?.name === 'mallory' && f.status === 'fail',
    ),
  );
});

test('effective grants export and identity lookup for audit-log correlation', (t) => {
  const { grants } = effectiveGrants(rbacObjects(violations));
  const idx = indexGrants(grants);
  const g = grantsForIdentity(idx, 'system:serviceaccount:team-a:deployer', [
    'system:serviceaccounts',
    'system:authenticated',
  ]);
  t.true(g.some((x) => x.rule.resources.includes('deployments') && x.namespace === 'team-a'));
  t.true(g.some((x) => x.subject.kind === 'Group' && x.subject.name === 'system:authenticated'));
  const alice = grantsForIdentity(idx, 'alice');
  t.true(alice.every((x) => x.binding.name === 'alice-admin' && x.exempt === undefined));
});

test('rbacSource reads through the injected lister; a missing serviceaccounts list is noted, not fatal', async (t) => {
  const objs = loadObjects(fixture('rbac', 'violations.yaml'));
  const asked: string[] = [];
  const list = (d: ResourceDescriptor): AsyncIterable<unknown> => {
    asked.push(d.plural);
    if (d.plural === 'serviceaccounts') throw new Error('403 forbidden');
    const items = objs.filter((o) => o['kind'] === d.kind);
    return (async function* () {
      for (const item of items) yield await Promise.resolve(item);
    })();
  };
  const src = rbacSource(list);
  const ctx = { now: fixedNow.now, log: memoryLogger(), mappings: {} as MappingBundle };
  const raw = await src.read(ctx);
  t.deepEqual(asked, ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings', 'serviceaccounts']);
  const out = src.normalize(raw, ctx);
  t.true(out.notes.some((n) => n.startsWith('serviceaccounts not read')));
  t.deepEqual(
    out.inputs.map((i) => i.path),
    [
      '/apis/rbac.authorization.k8s.io/v1/roles',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      '/apis/rbac.authorization.k8s.io/v1/rolebindings',
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    ],
  );
  t.true(out.findings.some((f) => f.ruleId === 'rbac.cluster-admin-binding' && f.status === 'fail'));
  t.is(RBAC_RESOURCES.clusterRoleBindings.plural, 'clusterrolebindings');
});

test('rbacSource fails with a SourceError naming the missing permission', async (t) => {
  const src = rbacSource(() => {
    throw new Error('403');
  });
  const err = await t.throwsAsync(
    src.read({ now: fixedNow.now, log: memoryLogger(), mappings: {} as MappingBundle }),
  );
  t.regex(err?.message ?? '', /listing rbac.authorization.k8s.io\/roles failed/);
});

/* ---------------- conformance against real third-party data (read in place) ---------------- */

const shared = sharedFixtures();
if (!shared) {
  test('conformance: shared fixtures', (t) => {
    t.log('skipped: ../shared/fixtures not found (set KUBEPROOF_SHARED)');
    t.is(sharedFixtures(), undefined);
  });
} else {
  const sharedDir = shared;
  test('conformance: the Kubernetes bootstrap RBAC policy raises no failing finding', (t) => {
    const dir = path.join(sharedDir, 'rbac');
    const objs = readdirSync(dir)
      .filter((f) => f.startsWith('k8s-bootstrappolicy_'))
      .flatMap((f) => loadObjects(path.join(dir, f)));
    t.true(objs.length > 100);
    const out = analyzeRbac(rbacObjects(objs), fixedNow);
    t.deepEqual(
      out.findings.filter((f) => f.status !== 'pass').map((f) => `${f.ruleId} ${f.message}`),
      [],
    );
    t.deepEqual(
      out.findings.map((f) => f.ruleId).sort(),
      [...RBAC_RULE_IDS].sort(),
      'an explicit PASS per rule',
    );
    t.is(out.stats?.['exemptGrants'], out.stats?.['grants']);
  });

  test('conformance: the kind cluster dump flags only non-Kubernetes subjects', (t) => {
    const dir = path.join(sharedDir, 'cluster-dumps');
    const objs = readdirSync(dir)
      .filter((f) => f.startsWith('kubehound-kind_') && f.includes('.rbac.authorization.k8s.io'))
      .flatMap((f) => loadObjects(path.join(dir, f)));
    const out = analyzeRbac(rbacObjects(objs), fixedNow);
    const fails = out.findings.filter((f) => f.status === 'fail');
    // kind's local-path-provisioner add-on holds `*` on pods and persistentvolumes: a real finding.
    t.deepEqual(
      [
        ...new Set(
          fails.map((f) => `${f.resource?.kind}:${f.resource?.namespace ?? ''}/${f.resource?.name}`),
        ),
      ].sort(),
      [
        'ClusterRole:/local-path-provisioner-role',
        'ServiceAccount:local-path-storage/local-path-provisioner-service-account',
      ],
    );
    t.false(
      fails.some((f) => f.ruleId === 'rbac.anonymous-grant'),
      'kubeadm cluster-info discovery is a default',
    );
  });

  test('conformance: kubiscan dump flags the minikube default-SA cluster-admin binding and never leaks the token', (t) => {
    const objs = loadObjects(path.join(sharedDir, 'cluster-dumps', 'kubiscan_combined.json'));
    const secret = objs.find((o) => o['kind'] === 'Secret') as { data: Record<string, string> } | undefined;
    t.truthy(secret?.data['token']);
    const out = analyzeRbac(rbacObjects(objs), fixedNow);
    const hit = out.findings.find(
      (f) =>
        f.ruleId === 'rbac.cluster-admin-binding' &&
        f.resource?.namespace === 'kube-system' &&
        f.resource.name === 'default',
    );
    t.is(hit?.status, 'fail');
    t.truthy(
      out.findings.find((f) => f.ruleId === 'rbac.default-sa-bound' && f.resource?.name === 'default'),
    );
    // kubeadm's own admin group (kubeadm:cluster-admins, bound by kubeadm:cluster-admins) is a default.
    t.false(out.findings.some((f) => f.status === 'fail' && f.resource?.name === 'kubeadm:cluster-admins'));
    const text = JSON.stringify(out);
    const token = secret?.data['token'] ?? 'x';
    t.false(text.includes(token));
    t.false(text.includes(Buffer.from(token, 'base64').toString('utf8')));
  });

  test('conformance: rbac manifests of kubernetes-goat are flagged', (t) => {
    const base = readdirSync(path.join(sharedDir, 'rbac'))
      .filter((f) => f.startsWith('k8s-bootstrappolicy_cluster-roles'))
      .flatMap((f) => loadObjects(path.join(sharedDir, 'rbac', f)));
    const goat = loadObjects(path.join(sharedDir, 'manifests', 'kubernetes-goat_insecure-rbac_setup.yaml'));
    const out = analyzeRbac(rbacObjects([...base, ...goat]), fixedNow);
    const f = out.findings.find((x) => x.ruleId === 'rbac.cluster-admin-binding' && x.status === 'fail');
    t.is(f?.resource?.kind, 'ServiceAccount');
    // The helm-tiller chart's ClusterRole (its binding is an unrendered Helm template, skipped) is flagged by definition.
    const tiller = loadObjects(
      path.join(sharedDir, 'manifests', 'kubernetes-goat_helm-tiller_pwnchart_templates_clusterrole.yaml'),
    );
    const out2 = analyzeRbac(rbacObjects(tiller), fixedNow);
    const rules = out2.findings
      .filter((x) => x.status === 'fail')
      .map((x) => x.ruleId)
      .sort();
    t.deepEqual(rules, ['rbac.wildcard-resources', 'rbac.wildcard-verbs']);
    t.log(
      'skipped: kubernetes-goat_helm-tiller_pwnchart_templates_clusterrolebinding.yaml is an unrendered Helm template ({{ }})',
    );
  });

  test('wildcard rules judge role definitions: cluster-admin (a default) is exempt, its binding is what is flagged', (t) => {
    const out = analyzeRbac(rbacObjects(violations, true), fixedNow);
    t.false(
      out.findings.some((f) => f.ruleId.startsWith('rbac.wildcard') && f.resource?.name === 'cluster-admin'),
    );
    const w = out.findings.find((f) => f.ruleId === 'rbac.wildcard-verbs' && f.status === 'fail');
    t.regex(w?.message ?? '', /bound to User:wanda/);
  });
}

test('edge cases: namespaced cluster-admin, system:serviceaccounts group, SA written as a User, matchExpressions', (t) => {
  const base = loadObjects(fixture('rbac', 'violations.yaml')).slice(0, 1); // the cluster-admin ClusterRole
  const objs: Record<string, unknown>[] = [
    ...base,
    {
      kind: 'RoleBinding',
      metadata: { name: 'ns-admin', namespace: 'team-c' },
      roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'User', name: 'system:serviceaccount:team-c:default' }],
    },
    {
      kind: 'ClusterRole',
      metadata: { name: 'agg' },
      aggregationRule: {
        clusterRoleSelectors: [
          { matchExpressions: [{ key: 'tier', operator: 'In', values: ['ops', 'sre'] }] },
        ],
      },
    },
    {
      kind: 'ClusterRole',
      metadata: { name: 'proxy-piece', labels: { tier: 'sre' } },
      rules: [{ apiGroups: [''], resources: ['nodes/*'], verbs: ['get'] }],
    },
    {
      kind: 'ClusterRole',
      metadata: { name: 'unselected', labels: { tier: 'dev' } },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
    },
    {
      kind: 'ClusterRoleBinding',
      metadata: { name: 'all-sas' },
      roleRef: { kind: 'ClusterRole', name: 'agg' },
      subjects: [{ kind: 'Group', name: 'system:serviceaccounts' }],
    },
  ];
  const out = analyzeRbac(rbacObjects(objs), fixedNow);
  const fails = out.findings.filter((f) => f.status === 'fail');
  const ca = fails.find((f) => f.ruleId === 'rbac.cluster-admin-binding');
  t.deepEqual(ca?.resource, { kind: 'ServiceAccount', name: 'default', namespace: 'team-c' });
  t.is(ca?.properties?.['scope'], 'namespace');
  t.regex(ca?.message ?? '', /in namespace team-c/);
  t.truthy(fails.find((f) => f.ruleId === 'rbac.default-sa-bound' && f.resource?.namespace === 'team-c'));
  t.truthy(
    fails.find((f) => f.ruleId === 'rbac.nodes-proxy' && f.resource?.name === 'system:serviceaccounts'),
  );
  t.truthy(
    fails.find(
      (f) => f.ruleId === 'rbac.authenticated-broad-grant' && f.resource?.name === 'system:serviceaccounts',
    ),
  );
  t.false(
    fails.some((f) => f.ruleId === 'rbac.secrets-read' && f.resource?.name === 'system:serviceaccounts'),
  );
});
