/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-unsafe-return --
   these tests mutate raw, untyped Kubernetes manifests field by field, as a user would edit YAML. */
import test from 'ava';
import path from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import {
  analyzeWorkloads,
  parseImage,
  workloadsSource,
  WORKLOAD_RESOURCES,
  WORKLOAD_RULE_IDS,
  type WorkloadObjects,
} from '../../../src/sources/workloads/index.ts';
import { analyzeRbac, type ResourceDescriptor } from '../../../src/sources/rbac/index.ts';
import type { Finding } from '../../../src/model/types.ts';
import type { MappingBundle } from '../../../src/mapping/types.ts';
import { memoryLogger } from '../../../src/util/log.ts';
import {
  fixedNow,
  fixture,
  loadObjects,
  ofKind,
  rbacObjects,
  sharedFixtures,
  workloadObjects,
} from '../rbac/helpers.ts';

type Obj = Record<string, any>;
const hardened = loadObjects(fixture('workloads', 'hardened.yaml')) as Obj[];
const clone = <T>(v: T): T => structuredClone(v);

function objectsOf(objs: Obj[]): WorkloadObjects {
  return {
    ...workloadObjects(objs),
    namespaces: ofKind(objs, 'Namespace'),
    networkPolicies: ofKind(objs, 'NetworkPolicy'),
    limitRanges: ofKind(objs, 'LimitRange'),
    resourceQuotas: ofKind(objs, 'ResourceQuota'),
    serviceAccounts: ofKind(objs, 'ServiceAccount'),
  };
}

const failing = (fs: Finding[]): string[] =>
  [...new Set(fs.filter((f) => f.status === 'fail').map((f) => f.ruleId))].sort();

/** Applies `mutate` to a copy of the hardened fixture. */
function mutated(mutate: (pod: Obj, all: Obj[]) => void): Obj[] {
  const all = clone(hardened);
  mutate(all.find((o) => o['kind'] === 'Pod') as Obj, all);
  return all;
}

const web = (p: Obj): Obj => p['spec']['containers'][0];
const init = (p: Obj): Obj => p['spec']['initContainers'][0];

test('a fully hardened pod in a hardened namespace gets no failing finding, and every rule an explicit PASS', (t) => {
  const out = analyzeWorkloads(objectsOf(hardened), fixedNow);
  t.deepEqual(failing(out.findings), []);
  t.deepEqual(out.findings.map((f) => f.ruleId).sort(), [...WORKLOAD_RULE_IDS].sort());
  for (const f of out.findings) {
    t.deepEqual(f.resource, { kind: 'Cluster', name: 'workloads' });
    t.is(f.evidenceIds.length, 1);
  }
  t.is(out.partialError, undefined);
});

/** rule → mutation of the hardened fixture → exactly the rules expected to fail. */
const CASES: [string, (p: Obj, all: Obj[]) => void, string[]][] = [
  ['privileged', (p) => (web(p).securityContext.privileged = true), ['workloads.privileged']],
  ['host-network', (p) => (p['spec'].hostNetwork = true), ['workloads.host-network']],
  ['host-pid', (p) => (p['spec'].hostPID = true), ['workloads.host-pid']],
  ['host-ipc', (p) => (p['spec'].hostIPC = true), ['workloads.host-ipc']],
  [
    'hostpath',
    (p) => p['spec'].volumes.push({ name: 'root', hostPath: { path: '/' } }),
    ['workloads.hostpath', 'workloads.volume-types'],
  ],
  ['hostport', (p) => (web(p).ports[0].hostPort = 8080), ['workloads.hostport']],
  [
    'capabilities-baseline',
    (p) => web(p).securityContext.capabilities.add.push('SYS_ADMIN'),
    ['workloads.capabilities-baseline', 'workloads.capabilities-restricted'],
  ],
  [
    'capabilities-restricted',
    (p) => web(p).securityContext.capabilities.add.push('CHOWN'),
    ['workloads.capabilities-restricted'],
  ],
  [
    'net-raw',
    (p) => (web(p).securityContext.capabilities.drop = ['NET_ADMIN']),
    ['workloads.capabilities-restricted', 'workloads.net-raw'],
  ],
  [
    'privilege-escalation',
    (p) => delete web(p).securityContext.allowPrivilegeEscalation,
    ['workloads.privilege-escalation'],
  ],
  ['run-as-user-0', (p) => (web(p).securityContext.runAsUser = 0), ['workloads.run-as-non-root']],
  [
    'run-as-non-root-unset',
    (p) => delete p['spec'].securityContext.runAsNonRoot,
    ['workloads.run-as-non-root'],
  ],
  [
    'seccomp-unconfined',
    (p) => (p['spec'].securityContext.seccompProfile.type = 'Unconfined'),
    ['workloads.seccomp'],
  ],
  ['seccomp-unset', (p) => delete p['spec'].securityContext.seccompProfile, ['workloads.seccomp']],
  [
    'apparmor-annotation',
    (p) =>
      (p['metadata'].annotations = { 'container.apparmor.security.beta.kubernetes.io/web': 'unconfined' }),
    ['workloads.apparmor'],
  ],
  [
    'apparmor-field',
    (p) => (web(p).securityContext.appArmorProfile.type = 'Unconfined'),
    ['workloads.apparmor'],
  ],
  ['proc-mount', (p) => (web(p).securityContext.procMount = 'Unmasked'), ['workloads.proc-mount']],
  [
    'sysctls',
    (p) => p['spec'].securityContext.sysctls.push({ name: 'kernel.msgmax', value: '1' }),
    ['workloads.sysctls'],
  ],
  ['selinux', (p) => (web(p).securityContext.seLinuxOptions.type = 'spc_t'), ['workloads.selinux']],
  [
    'volume-types',
    (p) => p['spec'].volumes.push({ name: 'nfs', nfs: { server: 'nas', path: '/x' } }),
    ['workloads.volume-types'],
  ],
  [
    'windows-hostprocess',
    (p) => (web(p).securityContext.windowsOptions = { hostProcess: true }),
    ['workloads.windows-hostprocess'],
  ],
  [
    'read-only-root-fs (init container)',
    (p) => (init(p).securityContext.readOnlyRootFilesystem = false),
    ['workloads.read-only-root-fs'],
  ],
  ['resource-limits', (p) => delete web(p).resources.limits.memory, ['workloads.resource-limits']],
  ['image-latest', (p) => (web(p).image = 'nginx:latest'), ['workloads.image-digest', 'workloads.image-tag']],
  [
    'image-no-tag',
    (p) => (web(p).image = 'registry.example.com:5000/shop/web'),
    ['workloads.image-digest', 'workloads.image-tag'],
  ],
  ['image-digest', (p) => (web(p).image = 'nginx:1.27.2'), ['workloads.image-digest']],
  [
    'secret-env',
    (p) =>
      web(p).env.push({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }),
    ['workloads.secret-env'],
  ],
  [
    'secret-envFrom',
    (p) => (web(p).envFrom = [{ secretRef: { name: 'api-keys' } }]),
    ['workloads.secret-env'],
  ],
  [
    'sa-token-automount (pod true)',
    (p) => (p['spec'].automountServiceAccountToken = true),
    ['workloads.sa-token-automount'],
  ],
  [
    'sa-token-automount (pod unset, SA unset)',
    (p, all) => {
      delete p['spec'].automountServiceAccountToken;
      delete (all.find((o) => o['kind'] === 'ServiceAccount') as Obj)['automountServiceAccountToken'];
    },
    ['workloads.sa-token-automount'],
  ],
  [
    'ephemeral container privileged',
    (p) =>
      (p['spec'].ephemeralContainers = [
        {
          ...clone(init(p)),
          name: 'debug',
          resources: undefined,
          securityContext: { ...clone(init(p).securityContext), privileged: true },
        },
      ]),
    ['workloads.privileged'],
  ],
  [
    'namespace-psa missing',
    (_p, all) => delete (all[0] as Obj)['metadata'].labels,
    ['workloads.namespace-psa'],
  ],
  [
    'namespace-psa privileged',
    (_p, all) => ((all[0] as Obj)['metadata'].labels['pod-security.kubernetes.io/enforce'] = 'privileged'),
    ['workloads.namespace-psa'],
  ],
  [
    'namespace-network-policy',
    (_p, all) => all.splice(0, all.length, ...all.filter((o) => o['kind'] !== 'NetworkPolicy')),
    ['workloads.namespace-network-policy'],
  ],
  [
    'namespace-default-deny',
    (_p, all) => all.splice(0, all.length, ...all.filter((o) => o['metadata'].name !== 'default-deny')),
    ['workloads.namespace-default-deny'],
  ],
  [
    'namespace-resource-policy',
    (_p, all) => all.splice(0, all.length, ...all.filter((o) => o['kind'] !== 'ResourceQuota')),
    ['workloads.namespace-resource-policy'],
  ],
];

for (const [name, mutate, expected] of CASES) {
  test(`rule case: ${name} → ${expected.join(', ')}`, (t) => {
    const out = analyzeWorkloads(objectsOf(mutated(mutate)), fixedNow);
    t.deepEqual(failing(out.findings), expected);
  });
}

test('default-deny has no PASS while a namespace has no NetworkPolicy at all', (t) => {
  const objs = mutated((_p, all) =>
    all.splice(0, all.length, ...all.filter((o) => o['kind'] !== 'NetworkPolicy')),
  );
  const out = analyzeWorkloads(objectsOf(objs), fixedNow);
  t.false(out.findings.some((f) => f.ruleId === 'workloads.namespace-default-deny'));
  t.true(out.notes.some((n) => n.includes('namespace-default-deny was judged only where policies exist')));
});

test('every workloads rule has a positive case above', (t) => {
  const covered = new Set(CASES.flatMap(([, , e]) => e));
  covered.add('workloads.default-namespace');
  t.deepEqual(
    [...WORKLOAD_RULE_IDS].filter((r) => !covered.has(r)),
    [],
  );
});

test('default namespace is flagged; evidence names the field path', (t) => {
  const all = mutated((p) => (p['metadata'].namespace = 'default'));
  const out = analyzeWorkloads(objectsOf(all), fixedNow);
  t.true(failing(out.findings).includes('workloads.default-namespace'));
  const priv = analyzeWorkloads(
    objectsOf(mutated((p) => (web(p).securityContext.privileged = true))),
    fixedNow,
  );
  const f = priv.findings.find((x) => x.ruleId === 'workloads.privileged');
  const ev = priv.evidence.find((e) => e.id === f?.evidenceIds[0]) as
    { locator: { apiPath?: string }; excerpt: any } | undefined;
  t.is(ev?.locator.apiPath, '/api/v1/namespaces/shop/pods/frontend');
  t.deepEqual(ev?.excerpt.fields[0], {
    path: 'spec.containers[0].securityContext.privileged',
    value: true,
    from: 'pod frontend',
  });
  t.is(f?.properties?.['containers'], 'web');
});

test('Secrets in env are named by secret and key, never by value', (t) => {
  const all = mutated((p) => {
    web(p).env.push({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } });
    web(p).env.push({ name: 'PLAIN', value: 'hunter2-not-for-reports' });
  });
  const out = analyzeWorkloads(objectsOf(all), fixedNow);
  const text = JSON.stringify(out);
  t.false(text.includes('hunter2-not-for-reports'));
  const f = out.findings.find((x) => x.ruleId === 'workloads.secret-env');
  t.regex(f?.message ?? '', /env\[2\]\.valueFrom\.secretKeyRef = "db\/password"/);
});

function deployment50(): Obj[] {
  const podSpec = clone((hardened.find((o) => o['kind'] === 'Pod') as Obj)['spec']);
  podSpec.containers[0].securityContext.privileged = true;
  podSpec.hostNetwork = true;
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'shop', uid: 'uid-dep' },
    spec: { replicas: 50, template: { metadata: { labels: { app: 'api' } }, spec: podSpec } },
  };
  const rs = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'api-7d9f',
      namespace: 'shop',
      uid: 'uid-rs',
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: 'uid-dep', controller: true },
      ],
    },
    spec: { template: { spec: podSpec } },
  };
  const pods = Array.from({ length: 50 }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `api-7d9f-${String(i).padStart(5, '0')}`,
      namespace: 'shop',
      uid: `uid-pod-${i}`,
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-7d9f', uid: 'uid-rs', controller: true },
      ],
    },
    spec: podSpec,
  }));
  return [...hardened.filter((o) => o['kind'] !== 'Pod'), dep, rs, ...pods];
}

test('a 50-replica Deployment yields one finding per rule, its pods as capped evidence', (t) => {
  const out = analyzeWorkloads(objectsOf(deployment50()), fixedNow);
  const fails = out.findings.filter((f) => f.status === 'fail');
  t.deepEqual(fails.map((f) => f.ruleId).sort(), ['workloads.host-network', 'workloads.privileged']);
  for (const f of fails) {
    t.deepEqual(f.resource, { kind: 'Deployment', name: 'api', namespace: 'shop' });
    t.is(f.properties?.['affectedPods'], 50);
    t.true(f.properties?.['template']);
  }
  const ev = out.evidence.find((e) => e.id === fails[0]?.evidenceIds[0]) as {
    locator: { apiPath?: string };
    excerpt: any;
  };
  t.is(ev.locator.apiPath, '/apis/apps/v1/namespaces/shop/deployments/api');
  t.is(ev.excerpt.pods.total, 50);
  t.is(ev.excerpt.pods.names.length, 20);
  t.is(ev.excerpt.fields[0].path, 'spec.template.spec.hostNetwork');
  t.is(out.stats?.['workloadUnits'], 1);
});

test('ownership: Pod → Job → CronJob is reported on the CronJob; an unlisted owner is reported by name', (t) => {
  const podSpec = clone((hardened.find((o) => o['kind'] === 'Pod') as Obj)['spec']);
  podSpec.hostPID = true;
  const objs: Obj[] = [
    {
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'shop', uid: 'cj' },
      spec: { jobTemplate: { spec: { template: { spec: podSpec } } } },
    },
    {
      kind: 'Job',
      metadata: {
        name: 'nightly-1',
        namespace: 'shop',
        uid: 'job',
        ownerReferences: [{ kind: 'CronJob', name: 'nightly', uid: 'cj', controller: true }],
      },
      spec: { template: { spec: podSpec } },
    },
    {
      kind: 'Pod',
      metadata: {
        name: 'nightly-1-abc',
        namespace: 'shop',
        ownerReferences: [{ kind: 'Job', name: 'nightly-1', uid: 'job', controller: true }],
      },
      spec: podSpec,
    },
    {
      kind: 'Pod',
      metadata: {
        name: 'orphan-x',
        namespace: 'shop',
        ownerReferences: [{ kind: 'ReplicaSet', name: 'gone-rs', uid: 'nope', controller: true }],
      },
      spec: podSpec,
    },
  ];
  const out = analyzeWorkloads(
    { pods: ofKind(objs, 'Pod'), jobs: ofKind(objs, 'Job'), cronJobs: ofKind(objs, 'CronJob') },
    fixedNow,
  );
  const hits = out.findings
    .filter((f) => f.ruleId === 'workloads.host-pid')
    .map((f) => `${f.resource?.kind}/${f.resource?.name}`);
  t.deepEqual(hits.sort(), ['CronJob/nightly', 'ReplicaSet/gone-rs']);
  const ev = out.evidence.find(
    (e) => (e.excerpt as any).rule === 'workloads.host-pid' && (e.excerpt as any).kind === 'CronJob',
  ) as any;
  t.is(ev.excerpt.fields[0].path, 'spec.jobTemplate.spec.template.spec.hostPID');
});

test('ownership: replicas of a custom controller are one unit; static pods owned by a Node stand alone', (t) => {
  const podSpec = clone((hardened.find((o) => o['kind'] === 'Pod') as Obj)['spec']);
  podSpec.hostIPC = true;
  const pod = (name: string, owner: Obj): Obj => ({
    kind: 'Pod',
    metadata: { name, namespace: 'shop', ownerReferences: [{ ...owner, controller: true }] },
    spec: podSpec,
  });
  const pods = [
    ...[0, 1, 2].map((i) => pod(`canary-${i}`, { kind: 'Rollout', name: 'canary', uid: 'r1' })),
    pod('etcd-node1', { kind: 'Node', name: 'node1', uid: 'n1' }),
    pod('kube-apiserver-node1', { kind: 'Node', name: 'node1', uid: 'n1' }),
  ];
  const out = analyzeWorkloads({ pods }, fixedNow);
  const hits = out.findings.filter((f) => f.ruleId === 'workloads.host-ipc');
  t.deepEqual(hits.map((f) => `${f.resource?.kind}/${f.resource?.name}`).sort(), [
    'Pod/etcd-node1',
    'Pod/kube-apiserver-node1',
    'Rollout/canary',
  ]);
  const rollout = hits.find((f) => f.resource?.kind === 'Rollout');
  const ev = out.evidence.find((e) => e.id === rollout?.evidenceIds[0]);
  t.is(ev?.locator.apiPath, '/api/v1/namespaces/shop/pods/canary-0');
  t.is(rollout?.properties?.['affectedPods'], 3);
});

test('system namespaces are assessed and marked, not dropped', (t) => {
  const objs = mutated((p) => {
    p['metadata'].namespace = 'kube-system';
    p['spec'].hostNetwork = true;
  });
  objs.push({ kind: 'Namespace', metadata: { name: 'kube-system' } });
  const out = analyzeWorkloads(objectsOf(objs), fixedNow);
  const f = out.findings.find((x) => x.ruleId === 'workloads.host-network');
  t.is(f?.properties?.['systemNamespace'], true);
  const ns = out.findings.find(
    (x) => x.ruleId === 'workloads.namespace-psa' && x.resource?.name === 'kube-system',
  );
  t.is(ns?.properties?.['systemNamespace'], true);
  const shop = out.findings.filter((x) => x.resource?.kind === 'Namespace' && x.resource.name === 'shop');
  t.deepEqual(shop, []);
});

test('absence of evidence is never a pass: unread lists give no PASS and a note', (t) => {
  const out = analyzeWorkloads({ pods: [] }, fixedNow);
  t.deepEqual(out.findings, []);
  t.true(out.notes.some((n) => n.includes('pod-level rules did not run')));
  t.true(out.notes.some((n) => n.includes('Namespaces not read')));
  const partial = analyzeWorkloads(
    { pods: [{ metadata: { name: 'x' }, spec: { containers: 'nope' } }] },
    fixedNow,
  );
  t.regex(partial.partialError?.message ?? '', /pods\[0\]\.spec\.containers: expected array, got string/);
});

test('without ServiceAccounts, an unset automountServiceAccountToken is not judged and the rule has no PASS', (t) => {
  const objs = mutated((p) => delete p['spec'].automountServiceAccountToken).filter(
    (o) => o['kind'] !== 'ServiceAccount',
  );
  const out = analyzeWorkloads({ ...objectsOf(objs), serviceAccounts: undefined }, fixedNow);
  t.false(out.findings.some((f) => f.ruleId === 'workloads.sa-token-automount'));
  t.true(out.notes.some((n) => n.includes('workloads.sa-token-automount has no PASS')));
  const explicit = mutated((p) => (p['spec'].automountServiceAccountToken = true)).filter(
    (o) => o['kind'] !== 'ServiceAccount',
  );
  const out2 = analyzeWorkloads({ ...objectsOf(explicit), serviceAccounts: undefined }, fixedNow);
  t.is(out2.findings.find((f) => f.ruleId === 'workloads.sa-token-automount')?.status, 'fail');
});

test('parseImage splits tags and digests (registry ports are not tags)', (t) => {
  t.deepEqual(parseImage('nginx'), {});
  t.deepEqual(parseImage('registry:5000/a/b'), {});
  t.deepEqual(parseImage('registry:5000/a/b:1.2'), { tag: '1.2' });
  t.deepEqual(parseImage('a/b@sha256:abc'), { digest: 'sha256:abc' });
  t.deepEqual(parseImage('a/b:1@sha256:abc'), { tag: '1', digest: 'sha256:abc' });
});

test('workloadsSource reads through the injected lister; unreadable optional lists make the run partial', async (t) => {
  const objs = hardened;
  const asked: string[] = [];
  const list = (d: ResourceDescriptor): AsyncIterable<unknown> => {
    asked.push(d.plural);
    if (d.plural === 'networkpolicies') throw new Error('403 forbidden');
    const items = objs.filter((o) => o['kind'] === d.kind);
    return (async function* () {
      for (const item of items) yield await Promise.resolve(item);
    })();
  };
  const src = workloadsSource(list);
  const ctx = { now: fixedNow.now, log: memoryLogger(), mappings: {} as MappingBundle };
  const out = src.normalize(await src.read(ctx), ctx);
  t.is(asked.length, Object.keys(WORKLOAD_RESOURCES).length);
  t.is(out.partialError?.code, 'workloads-partial');
  t.true(out.inputs.some((i) => i.path === '/api/v1/pods'));
  t.false(out.inputs.some((i) => i.path === '/apis/networking.k8s.io/v1/networkpolicies'));
  t.false(
    out.findings.some((f) => f.ruleId === 'workloads.namespace-network-policy'),
    'no pass without data',
  );
  t.true(out.findings.some((f) => f.ruleId === 'workloads.namespace-psa' && f.status === 'pass'));
});

test.serial(
  'scale: 20,000 pods under 2,000 Deployments give one finding per Deployment (time is logged; npm run bench measures it)',
  (t) => {
    const podSpec = clone((hardened.find((o) => o['kind'] === 'Pod') as Obj)['spec']);
    podSpec.containers[0].image = 'nginx:latest';
    const objs: Obj[] = [];
    for (let d = 0; d < 2000; d++) {
      const ns = `ns-${d % 200}`;
      objs.push({
        kind: 'Deployment',
        metadata: { name: `d${d}`, namespace: ns, uid: `d${d}` },
        spec: { template: { spec: podSpec } },
      });
      objs.push({
        kind: 'ReplicaSet',
        metadata: {
          name: `d${d}-rs`,
          namespace: ns,
          uid: `rs${d}`,
          ownerReferences: [{ kind: 'Deployment', name: `d${d}`, uid: `d${d}`, controller: true }],
        },
        spec: { template: { spec: podSpec } },
      });
      for (let i = 0; i < 10; i++) {
        objs.push({
          kind: 'Pod',
          metadata: {
            name: `d${d}-rs-${i}`,
            namespace: ns,
            uid: `p${d}-${i}`,
            ownerReferences: [{ kind: 'ReplicaSet', name: `d${d}-rs`, uid: `rs${d}`, controller: true }],
          },
          spec: podSpec,
        });
      }
    }
    for (let n = 0; n < 200; n++) objs.push({ kind: 'Namespace', metadata: { name: `ns-${n}` } });
    const input = { ...objectsOf(objs), networkPolicies: [], limitRanges: [], resourceQuotas: [] };
    analyzeWorkloads(input, fixedNow); // warm-up: JIT, so the figure measures the analysis
    const t0 = performance.now();
    const out = analyzeWorkloads(input, fixedNow);
    const ms = performance.now() - t0;
    t.log(
      `20,000 pods / 2,000 deployments / 200 namespaces: ${ms.toFixed(0)} ms, ${out.findings.length} findings`,
    );
    t.is(out.findings.filter((f) => f.ruleId === 'workloads.image-tag').length, 2000);
  },
);

test.serial(
  'scale: 5,000 RBAC objects give one secrets-read finding per subject (time is logged; npm run bench measures it)',
  (t) => {
    const objs: Obj[] = [];
    for (let i = 0; i < 1250; i++) {
      objs.push({
        kind: 'ClusterRole',
        metadata: { name: `cr${i}` },
        rules: [
          { apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'list'] },
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] },
        ],
      });
      objs.push({
        kind: 'ClusterRoleBinding',
        metadata: { name: `crb${i}` },
        roleRef: { kind: 'ClusterRole', name: `cr${i}` },
        subjects: [{ kind: 'User', name: `u${i % 300}` }],
      });
      objs.push({
        kind: 'Role',
        metadata: { name: `r${i}`, namespace: `ns${i % 50}` },
        rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }],
      });
      objs.push({
        kind: 'RoleBinding',
        metadata: { name: `rb${i}`, namespace: `ns${i % 50}` },
        roleRef: { kind: 'Role', name: `r${i}` },
        subjects: [{ kind: 'ServiceAccount', name: `sa${i}` }],
      });
    }
    const t0 = performance.now();
    const out = analyzeRbac(rbacObjects(objs), fixedNow);
    const ms = performance.now() - t0;
    t.log(`5,000 RBAC objects: ${ms.toFixed(0)} ms, ${out.findings.length} findings`);
    t.is(out.findings.filter((f) => f.ruleId === 'rbac.secrets-read').length, 300);
  },
);

/* ---------------- conformance: badPods, kubernetes-goat, cluster dumps (read in place) ---------------- */

/** file → rule ids that must be flagged (what makes the manifest dangerous). */
const MANIFEST_EXPECTATIONS: Record<string, string[]> = {
  'badpods_everything-allowed-exec-cronjob.yaml': [
    'privileged',
    'host-network',
    'host-pid',
    'host-ipc',
    'hostpath',
  ],
  'badpods_everything-allowed-exec-deamonset.yaml': [
    'privileged',
    'host-network',
    'host-pid',
    'host-ipc',
    'hostpath',
  ],
  'badpods_everything-allowed-exec-deployment.yaml': [
    'privileged',
    'host-network',
    'host-pid',
    'host-ipc',
    'hostpath',
  ],
  'badpods_everything-allowed-exec-job.yaml': [
    'privileged',
    'host-network',
    'host-pid',
    'host-ipc',
    'hostpath',
  ],
  'badpods_everything-allowed-exec-pod.yaml': [
    'privileged',
    'host-network',
    'host-pid',
    'host-ipc',
    'hostpath',
  ],
  'badpods_everything-allowed-exec-replicaset.yaml': [
    'privileged',
    'host-network',
    'host-pid',
    'host-ipc',
    'hostpath',
  ],
  'badpods_everything-allowed-exec-replicationcontroller.yaml': [
    'privileged',
    'host-network',
    'host-pid',
    'host-ipc',
    'hostpath',
  ],
  'badpods_everything-allowed-exec-statefulset.yaml': [
    'privileged',
    'host-network',
    'host-pid',
    'host-ipc',
    'hostpath',
  ],
  'badpods_hostipc-exec-pod.yaml': ['host-ipc'],
  'badpods_hostnetwork-exec-pod.yaml': ['host-network'],
  'badpods_hostpath-exec-pod.yaml': ['hostpath'],
  'badpods_hostpid-exec-pod.yaml': ['host-pid'],
  // "Nothing allowed" is the PSS-baseline-clean control pod: still root, no seccomp, capabilities kept.
  'badpods_nothing-allowed-exec-pod.yaml': [
    'run-as-non-root',
    'seccomp',
    'capabilities-restricted',
    'privilege-escalation',
  ],
  'badpods_priv-and-hostpid-exec-pod.yaml': ['privileged', 'host-pid'],
  'badpods_priv-exec-pod.yaml': ['privileged'],
  'kubernetes-goat_batch-check_job.yaml': ['image-tag', 'run-as-non-root'],
  'kubernetes-goat_build-code_deployment.yaml': ['image-tag', 'default-namespace'],
  'kubernetes-goat_cache-store_deployment.yaml': ['image-tag', 'resource-limits', 'run-as-non-root'],
  'kubernetes-goat_docker-bench-security_deployment.yaml': [
    'privileged',
    'host-network',
    'host-pid',
    'host-ipc',
    'hostpath',
    'capabilities-baseline',
  ],
  'kubernetes-goat_health-check_deployment.yaml': ['privileged', 'hostpath'],
  'kubernetes-goat_helm-tiller_pwnchart_templates_clusterrole.yaml': [
    'rbac.wildcard-verbs',
    'rbac.wildcard-resources',
  ],
  'kubernetes-goat_hidden-in-layers_deployment.yaml': ['image-tag'],
  'kubernetes-goat_hunger-check_deployment.yaml': ['rbac.secrets-read', 'resource-limits'],
  'kubernetes-goat_insecure-rbac_setup.yaml': ['rbac.cluster-admin-binding'],
  'kubernetes-goat_internal-proxy_deployment.yaml': ['image-tag', 'default-namespace'],
  'kubernetes-goat_kube-bench-security_master-job.yaml': ['host-pid', 'hostpath'],
  'kubernetes-goat_kube-bench-security_node-job.yaml': ['host-pid', 'hostpath'],
  'kubernetes-goat_kubernetes-goat-home_deployment.yaml': ['image-tag', 'default-namespace'],
  'kubernetes-goat_poor-registry_deployment.yaml': ['image-tag', 'default-namespace'],
  'kubernetes-goat_system-monitor_deployment.yaml': [
    'privileged',
    'host-pid',
    'host-ipc',
    'hostpath',
    'secret-env',
  ],
};

const shared = sharedFixtures();
if (!shared) {
  test('conformance: shared fixtures', (t) => {
    t.log('skipped: ../shared/fixtures not found (set KUBEPROOF_SHARED)');
    t.is(sharedFixtures(), undefined);
  });
} else {
  const sharedDir = shared;
  const bootstrapClusterRoles = loadObjects(
    path.join(sharedDir, 'rbac', 'k8s-bootstrappolicy_cluster-roles.yaml'),
  );

  test('conformance: every badPods and kubernetes-goat manifest is flagged for what makes it dangerous', (t) => {
    const dir = path.join(sharedDir, 'manifests');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    let checked = 0;
    for (const f of files) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      if (text.includes('{{')) {
        t.log(`skipped ${f}: unrendered Helm/Kyverno template ({{ }}), not valid Kubernetes YAML`);
        t.false(f in MANIFEST_EXPECTATIONS, `${f} is templated yet has expectations`);
        continue;
      }
      const expected = MANIFEST_EXPECTATIONS[f];
      t.truthy(expected, `no expectation written for ${f}`);
      const objs = loadObjects(path.join(dir, f));
      const w = analyzeWorkloads(objectsOf(objs), fixedNow);
      // Cluster-scoped RBAC defaults (cluster-admin) exist in every cluster: resolve roleRefs against them.
      const r = analyzeRbac(rbacObjects([...bootstrapClusterRoles, ...objs]), fixedNow);
      const got = new Set(failing([...w.findings, ...r.findings]));
      for (const e of expected ?? []) {
        const id = e.startsWith('rbac.') ? e : `workloads.${e}`;
        t.true(got.has(id), `${f}: expected ${id}, got ${[...got].join(' ')}`);
      }
      t.is(w.partialError, undefined, f);
      checked++;
    }
    t.is(checked, Object.keys(MANIFEST_EXPECTATIONS).length);
  });

  test('conformance: kind cluster pods parse and analyze; kube-system is marked system', (t) => {
    const dir = path.join(sharedDir, 'cluster-dumps');
    const objs = readdirSync(dir)
      .filter((f) => f.startsWith('kubehound-kind_') && f.endsWith('_pods.json'))
      .flatMap((f) => loadObjects(path.join(dir, f)));
    t.true(objs.length >= 16);
    const out = analyzeWorkloads(workloadObjects(objs), fixedNow);
    t.is(out.partialError, undefined);
    const ks = out.findings.filter((f) => f.resource?.namespace === 'kube-system');
    t.true(ks.length > 0);
    t.true(ks.every((f) => f.properties?.['systemNamespace'] === true));
    t.true(
      out.findings.some(
        (f) => f.ruleId === 'workloads.host-network' && f.resource?.namespace === 'kube-system',
      ),
    );
    t.true(
      out.findings
        .filter((f) => f.resource?.namespace === 'default')
        .every((f) => f.properties?.['systemNamespace'] === false),
    );
  });

  test('conformance: kubiscan and opa-utils dumps analyze, and no Secret value reaches the output', (t) => {
    for (const file of ['kubiscan_combined.json', 'opa-utils_resourcemocks.json']) {
      const objs = loadObjects(path.join(sharedDir, 'cluster-dumps', file));
      const out = analyzeWorkloads(objectsOf(objs), fixedNow);
      const rb = analyzeRbac(rbacObjects(objs, true), fixedNow);
      t.is(out.partialError, undefined, file);
      t.true(out.findings.length > 0, file);
      const text = JSON.stringify([out, rb]);
      for (const s of objs.filter((o) => o['kind'] === 'Secret') as Obj[]) {
        // The `namespace` key of a token Secret holds a namespace name, which legitimately appears everywhere.
        const data = Object.entries((s['data'] ?? {}) as Record<string, string>).filter(
          ([k]) => k !== 'namespace',
        );
        for (const [, v] of data) {
          t.false(text.includes(v), `${file}: a Secret value leaked`);
          const decoded = Buffer.from(v, 'base64').toString('utf8');
          if (decoded.length >= 6) t.false(text.includes(decoded), `${file}: a decoded Secret value leaked`);
        }
      }
    }
  });
}

test('pods whose ReplicaSet was not listed: the evidence points at a pod that was read, not at the missing owner', (t) => {
  const objs = deployment50().filter((o) => o['kind'] !== 'ReplicaSet' && o['kind'] !== 'Deployment');
  const out = analyzeWorkloads(objectsOf(objs), fixedNow);
  const fail = out.findings.find((f) => f.ruleId === 'workloads.privileged');
  t.deepEqual(fail?.resource, { kind: 'ReplicaSet', name: 'api-7d9f', namespace: 'shop' });
  const ev = out.evidence.find((e) => e.id === fail?.evidenceIds[0]);
  t.is(ev?.locator.apiPath, '/api/v1/namespaces/shop/pods/api-7d9f-00000');
});
