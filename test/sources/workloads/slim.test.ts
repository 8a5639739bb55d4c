/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access --
   these tests corrupt raw, untyped Kubernetes objects field by field. */
import test from 'ava';
import { generateCluster } from '../../../bench/live-cluster.ts';
import { analyzeWorkloads, type WorkloadObjects } from '../../../src/sources/workloads/index.ts';
import {
  slimController,
  slimMetaOnly,
  slimNetworkPolicy,
  slimPod,
  slimServiceAccount,
} from '../../../src/sources/workloads/slim.ts';
import { fixedNow, fixture, loadObjects, ofKind, workloadObjects } from '../rbac/helpers.ts';

type Obj = Record<string, any>;

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

const P = <T extends Record<string, unknown>>(f: (o: T) => T, xs: readonly unknown[] | undefined) =>
  xs?.map((x) => f(structuredClone(x) as T));

/** What a live list with the workloads source's projections hands the analyzer. */
function projected(o: WorkloadObjects): WorkloadObjects {
  return {
    pods: P(slimPod, o.pods)!,
    replicaSets: P(slimController('ReplicaSet'), o.replicaSets),
    deployments: P(slimController('Deployment'), o.deployments),
    statefulSets: P(slimController('StatefulSet'), o.statefulSets),
    daemonSets: P(slimController('DaemonSet'), o.daemonSets),
    jobs: P(slimController('Job'), o.jobs),
    cronJobs: P(slimController('CronJob'), o.cronJobs),
    replicationControllers: P(slimController('ReplicationController'), o.replicationControllers),
    namespaces: P(slimMetaOnly, o.namespaces),
    networkPolicies: P(slimNetworkPolicy, o.networkPolicies),
    limitRanges: P(slimMetaOnly, o.limitRanges),
    resourceQuotas: P(slimMetaOnly, o.resourceQuotas),
    serviceAccounts: P(slimServiceAccount, o.serviceAccounts),
  };
}

test('analysis of projected objects equals analysis of whole objects (generated cluster)', (t) => {
  const objs = generateCluster({ pods: 600, namespaces: 12, rbacObjects: 100 }) as Obj[];
  const whole = objectsOf(objs);
  const a = analyzeWorkloads(whole, fixedNow);
  const b = analyzeWorkloads(projected(whole), fixedNow);
  t.true(a.findings.length > 50);
  t.deepEqual(b, a);
  const pod = slimPod(structuredClone(whole.pods[0]) as Obj);
  t.false('status' in pod, 'status is dropped');
  t.true(JSON.stringify(pod).length < JSON.stringify(whole.pods[0]).length / 2);
});

test('analysis of projected objects equals analysis of whole objects (hardened fixture)', (t) => {
  const whole = objectsOf(loadObjects(fixture('workloads', 'hardened.yaml')));
  t.true(whole.pods.length > 0);
  t.deepEqual(analyzeWorkloads(projected(whole), fixedNow), analyzeWorkloads(whole, fixedNow));
});

test('malformed objects give the same parse issues projected or whole', (t) => {
  // Cloned: the generator shares sub-objects between objects.
  const objs = JSON.parse(
    JSON.stringify(generateCluster({ pods: 40, namespaces: 2, rbacObjects: 10 })),
  ) as Obj[];
  const whole = objectsOf(objs);
  const pods = whole.pods as Obj[];
  const corrupt: ((p: Obj) => void)[] = [
    (p) => (p.metadata.labels = 'x'),
    (p) => (p.metadata.ownerReferences = [{ kind: 3 }]),
    (p) => (p.metadata = []),
    (p) => (p.spec = 'nope'),
    (p) => (p.spec.containers = 'nope'),
    (p) => (p.spec.containers[0] = 7),
    (p) => (p.spec.containers[0].env = [null]),
    (p) => (p.spec.containers[0].env = [{ name: 'A', valueFrom: { secretKeyRef: 'x' } }]),
    (p) => (p.spec.containers[0].env = [{ name: 5, valueFrom: { secretKeyRef: { name: 's', key: 1 } } }]),
    (p) => (p.spec.containers[0].resources = 3),
    (p) => (p.spec.containers[0].resources = { limits: [1] }),
    (p) => (p.spec.containers[0].securityContext = { capabilities: { add: [1] } }),
    (p) => (p.spec.containers[0].ports = [{ hostPort: '80' }]),
    (p) => (p.spec.containers[0].envFrom = [{ secretRef: 4 }]),
    (p) => (p.spec.volumes = [{ name: 'v', hostPath: 'x' }]),
    (p) => (p.spec.hostNetwork = 'yes'),
    (p) => (p.spec.serviceAccountName = 1),
    (p) => (p.spec.initContainers = {}),
  ];
  corrupt.forEach((f, i) => f(pods[i]!));
  const deps = whole.deployments as Obj[];
  deps[0]!.spec.template = [];
  deps[1]!.spec.template.metadata = 'm';
  deps[2]!.spec = 4;
  deps[3]!.spec.template.spec.containers = [{}];
  (whole.namespaces as Obj[])[0]!.metadata.annotations = 5;
  (whole.serviceAccounts as Obj[])[0]!.automountServiceAccountToken = 'no';
  const a = analyzeWorkloads(whole, fixedNow);
  const b = analyzeWorkloads(projected(whole), fixedNow);
  t.true(a.notes.length > 0 || a.partialError !== undefined);
  t.deepEqual(b, a);
});
