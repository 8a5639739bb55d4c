/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unnecessary-type-assertion -- Job manifests are free-form objects; these tests assert their shape field by field */
/** Pure parts of the Job orchestration: templates, node planning, log extraction. */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../src/errors.ts';
import type { NodeInfo } from '../../src/jobs/api.ts';
import { extractJson } from '../../src/jobs/logs.ts';
import { parseJobRef, planKubeBench } from '../../src/jobs/orchestrate.ts';
import { DEFAULT_TEMPLATES, kubeBenchJob, kubescapeJob, parseJobTemplate } from '../../src/jobs/template.ts';

type Obj = Record<string, any>;

const kbTemplate = parseJobTemplate(
  DEFAULT_TEMPLATES.kubeBench,
  readFileSync(DEFAULT_TEMPLATES.kubeBench, 'utf8'),
);
const ksTemplate = parseJobTemplate(
  DEFAULT_TEMPLATES.kubescape,
  readFileSync(DEFAULT_TEMPLATES.kubescape, 'utf8'),
);

const node = (name: string, over: Partial<NodeInfo> = {}): NodeInfo => ({
  name,
  controlPlane: false,
  ready: true,
  unschedulable: false,
  ...over,
});

test('kube-bench Job: pinned to its node, labelled for the run, targets and benchmark set, template kept', (t) => {
  const job = kubeBenchJob(kbTemplate, {
    name: 'kubeproof-kb-abcd1234-0',
    namespace: 'compliance',
    runId: 'abcd1234',
    node: 'worker-1',
    role: 'worker',
    targets: ['node', 'policies'],
    benchmark: 'eks-1.7.0',
  }) as Obj;
  t.is(job['metadata'].name, 'kubeproof-kb-abcd1234-0');
  t.is(job['metadata'].namespace, 'compliance');
  t.like(job['metadata'].labels, {
    'app.kubernetes.io/managed-by': 'kubeproof',
    'kubeproof.dev/run': 'abcd1234',
    'kubeproof.dev/role': 'worker',
  });
  t.is(job['metadata'].annotations['kubeproof.dev/node'], 'worker-1');
  const pod = job['spec'].template.spec;
  t.deepEqual(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [
    { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['worker-1'] }] },
  ]);
  t.like(job['spec'].template.metadata.labels, { 'kubeproof.dev/run': 'abcd1234' });
  t.deepEqual(pod.containers[0].args, [
    'run',
    '--json',
    '--targets',
    'node,policies',
    '--benchmark',
    'eks-1.7.0',
  ]);
  t.true(pod.hostPID);
  t.is(pod.restartPolicy, 'Never');
  t.is(pod.tolerations.length, 2);
  t.true(pod.containers[0].volumeMounts.every((m: Obj) => m['readOnly'] === true));
  t.is(job['spec'].backoffLimit, 0);
  // the template itself is not modified
  t.is((kbTemplate.job['metadata'] as Obj)['name'], 'kube-bench');
});

test("kube-bench Job: the template's own --targets/--benchmark are replaced; the image can be overridden", (t) => {
  const custom = parseJobTemplate(
    'custom.yaml',
    `apiVersion: batch/v1
kind: Job
metadata: {name: x, generateName: y-}
spec:
  template:
    spec:
      nodeName: somewhere
      containers:
        - name: kb
          image: registry.example/kube-bench:1
          args: [run, --targets=master, --benchmark, cis-1.8, --json]
`,
  );
  const job = kubeBenchJob(custom, {
    name: 'n',
    namespace: 'ns',
    runId: 'r',
    node: 'cp-1',
    role: 'control-plane',
    image: 'mirror.example/kb:2',
  }) as Obj;
  const pod = job['spec'].template.spec;
  t.deepEqual(pod.containers[0].args, ['run', '--json']);
  t.is(pod.containers[0].image, 'mirror.example/kb:2');
  t.is(pod.nodeName, undefined);
  t.is(job['metadata'].generateName, undefined);
});

test('Kubescape Job: one per run, service account set when given', (t) => {
  const job = kubescapeJob(ksTemplate, {
    name: 'kubeproof-ks-r',
    namespace: 'kp',
    runId: 'r',
    serviceAccount: 'scanner',
  }) as Obj;
  t.is(job['spec'].template.spec.serviceAccountName, 'scanner');
  t.is(job['metadata'].labels['kubeproof.dev/role'], 'kubescape');
  t.true(job['spec'].template.spec.containers[0].args.includes('json'));
});

test('templates are validated with the file and field in the message', (t) => {
  t.throws(() => parseJobTemplate('t.yaml', 'apiVersion: v1\nkind: Pod\n'), {
    instanceOf: ConfigError,
    message: 't.yaml: apiVersion: expected batch/v1, got "v1"',
  });
  t.throws(
    () =>
      parseJobTemplate(
        't.yaml',
        'apiVersion: batch/v1\nkind: Job\nspec: {template: {spec: {containers: []}}}\n',
      ),
    {
      message: 't.yaml: spec.template.spec.containers: expected at least one container',
    },
  );
  t.throws(
    () =>
      parseJobTemplate(
        't.yaml',
        'apiVersion: batch/v1\nkind: Job\nspec: {template: {spec: {containers: [{name: a}]}}}\n',
      ),
    {
      message: 't.yaml: spec.template.spec.containers[0].image: required',
    },
  );
  t.throws(() => parseJobTemplate('t.yaml', 'a: [\n'), { message: /^t\.yaml: invalid YAML/ });
});

test("plan: control-plane nodes are scanned with kube-bench's detection, workers with the node target", (t) => {
  const plan = planKubeBench([node('w-2'), node('cp-1', { controlPlane: true }), node('w-1')], {
    controlPlane: 'auto',
    workerNodes: 'all',
    seed: 's',
  });
  t.deepEqual(plan.targets, [
    { node: 'cp-1', role: 'control-plane' },
    { node: 'w-1', role: 'worker', targets: ['node'] },
    { node: 'w-2', role: 'worker', targets: ['node'] },
  ]);
  t.true(plan.controlPlaneScanned);
  t.deepEqual(plan.notes, []);
  t.deepEqual(plan.problems, []);
});

test('plan: a managed control plane is said so, and the policy checks run once on a worker', (t) => {
  const plan = planKubeBench([node('w-2'), node('w-1')], {
    controlPlane: 'auto',
    workerNodes: 'all',
    seed: 's',
  });
  t.false(plan.controlPlaneScanned);
  t.deepEqual(
    plan.targets.map((x) => x.targets),
    [['node', 'policies'], ['node']],
  );
  t.regex(plan.notes[0]!, /no control-plane node is visible \(a managed control plane/);
  t.deepEqual(plan.problems, []);
  const always = planKubeBench([node('w-1')], { controlPlane: 'always', workerNodes: 'all', seed: 's' });
  t.regex(always.problems[0]!, /--kube-bench-control-plane always/);
  const never = planKubeBench([node('cp', { controlPlane: true }), node('w-1')], {
    controlPlane: 'never',
    workerNodes: 'all',
    seed: 's',
  });
  t.deepEqual(
    never.targets.map((x) => x.node),
    ['w-1'],
  );
  t.regex(never.notes[0]!, /were not scanned \(--kube-bench-control-plane never\)/);
});

test('plan: a worker sample is reproducible for a seed and rotates with it; unready and cordoned nodes are skipped', (t) => {
  const nodes = Array.from({ length: 20 }, (_, i) => node(`w-${String(i).padStart(2, '0')}`));
  nodes.push(node('down', { ready: false }), node('cordoned', { unschedulable: true }));
  const a = planKubeBench(nodes, { controlPlane: 'auto', workerNodes: 3, seed: '2026-11-01' });
  const again = planKubeBench([...nodes].reverse(), {
    controlPlane: 'auto',
    workerNodes: 3,
    seed: '2026-11-01',
  });
  const b = planKubeBench(nodes, { controlPlane: 'auto', workerNodes: 3, seed: '2026-11-02' });
  t.is(a.targets.length, 3);
  t.deepEqual(again.targets, a.targets);
  t.notDeepEqual(
    b.targets.map((x) => x.node),
    a.targets.map((x) => x.node),
  );
  t.true(a.notes.some((n) => n.startsWith('kube-bench: sampled 3 of 20 worker nodes: ')));
  t.true(a.notes.some((n) => n.includes('not Ready or are cordoned: cordoned, down')));
  t.false(a.targets.some((x) => x.node === 'down' || x.node === 'cordoned'));
  t.deepEqual(planKubeBench([], { controlPlane: 'auto', workerNodes: 'all', seed: 's' }).problems, [
    'kube-bench: no node to scan',
  ]);
});

test('pod logs: the JSON document is found among stderr lines; pretty JSON spans lines; text passes through', (t) => {
  const json = '{"Controls":[],"Totals":{"total_pass":0}}';
  t.is(extractJson(`W1123 02:00:01.123 util.go:1] missing config\n${json}\nI1123 done\n`), json);
  const pretty = '{\n  "summaryDetails": {\n    "score": 80\n  }\n}';
  t.is(extractJson(`progress 10%\n${pretty}\n`), pretty);
  const text = '[INFO] 4 Worker Node Security Configuration\n[PASS] 4.1.1 x\n';
  t.is(extractJson(text), text);
  t.is(extractJson('{not json'), '{not json');
});

test('--kube-bench-job references: name, namespace/name, or a label selector', (t) => {
  t.deepEqual(parseJobRef('kube-bench-node', 'kp'), { namespace: 'kp', name: 'kube-bench-node' });
  t.deepEqual(parseJobRef('security/kube-bench', 'kp'), { namespace: 'security', name: 'kube-bench' });
  t.deepEqual(parseJobRef('app=kube-bench', 'kp'), { namespace: 'kp', selector: 'app=kube-bench' });
  t.deepEqual(parseJobRef('app in (kube-bench)', 'kp'), { namespace: 'kp', selector: 'app in (kube-bench)' });
});
