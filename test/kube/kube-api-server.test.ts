import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import test from 'ava';
import { generatePods, startKubeApiServer } from '../support/kube-api-server.ts';
import type { KubeApiServer, KubeApiServerOptions } from '../support/kube-api-server.ts';
import { tempDir } from '../support/kube-config.ts';

interface Ctx {
  teardown(fn: () => void | Promise<void>): void;
}

async function serve(
  t: Ctx,
  opts: KubeApiServerOptions = {},
): Promise<{ srv: KubeApiServer; kc: k8s.KubeConfig }> {
  const srv = await startKubeApiServer({ token: 'tok', ...opts });
  t.teardown(() => srv.close());
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [
      srv.caPem
        ? {
            name: 'c',
            server: srv.url,
            caData: Buffer.from(srv.caPem).toString('base64'),
            skipTLSVerify: false,
          }
        : { name: 'c', server: srv.url, skipTLSVerify: true },
    ],
    users: [{ name: 'u', token: 'tok' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { srv, kc };
}

/** Raw GET with the right token, for checking exact bodies and headers. */
function raw(
  srv: KubeApiServer,
  p: string,
  token = 'tok',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const mod = srv.url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(
      srv.url + p,
      { headers: { authorization: `Bearer ${token}` }, ...(srv.caPem ? { ca: srv.caPem } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
  });
}

test('client-node pages through 1,234 pods with limit/continue, remainingItemCount and resourceVersion', async (t) => {
  const { srv, kc } = await serve(t, { objects: generatePods(1234, 3) });
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const names: string[] = [];
  let cont: string | undefined;
  const remaining: (number | undefined)[] = [];
  const rvs = new Set<string | undefined>();
  do {
    const page = await core.listPodForAllNamespaces({ limit: 500, ...(cont ? { _continue: cont } : {}) });
    names.push(...page.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
    remaining.push(page.metadata?.remainingItemCount);
    rvs.add(page.metadata?.resourceVersion);
    cont = page.metadata?._continue;
  } while (cont);
  t.is(names.length, 1234);
  t.is(new Set(names).size, 1234);
  t.deepEqual(names, [...names].sort(), 'items in key order');
  t.deepEqual(remaining, [734, 234, undefined]);
  t.is(rvs.size, 1, 'one resourceVersion for the whole list');
  t.deepEqual(srv.writes, []);
});

test('continue tokens are opaque base64 JSON like etcd3 storage; a compacted token is 410 Expired', async (t) => {
  const { srv } = await serve(t, { objects: generatePods(10) });
  const first = JSON.parse((await raw(srv, '/api/v1/pods?limit=4')).body) as {
    metadata: { continue: string; resourceVersion: string };
  };
  const tok = JSON.parse(Buffer.from(first.metadata.continue, 'base64url').toString()) as Record<
    string,
    unknown
  >;
  t.deepEqual(tok, {
    v: 'meta.k8s.io/v1',
    rv: Number(first.metadata.resourceVersion),
    start: 'ns-0/pod-00003\u0000',
  });
  srv.compact();
  const gone = await raw(srv, `/api/v1/pods?limit=4&continue=${first.metadata.continue}`);
  t.is(gone.status, 410);
  const body = JSON.parse(gone.body) as Record<string, unknown>;
  t.is(body['reason'], 'Expired');
  t.regex(
    String(body['message']),
    /^The provided continue parameter is too old to display a consistent list result/,
  );
  const inconsistent = (body['metadata'] as { continue: string }).continue;
  t.like(JSON.parse(Buffer.from(inconsistent, 'base64url').toString()), {
    rv: -1,
    start: 'ns-0/pod-00003\u0000',
  });
  const rest = JSON.parse((await raw(srv, `/api/v1/pods?continue=${inconsistent}`)).body) as {
    items: unknown[];
  };
  t.is(rest.items.length, 6, 'the rv -1 token continues inconsistently from the same key');
  const bad = await raw(srv, '/api/v1/pods?limit=4&continue=garbage');
  t.is(bad.status, 400);
  t.is((JSON.parse(bad.body) as Record<string, unknown>)['reason'], 'BadRequest');
});

test('list items carry no apiVersion/kind, like the real server', async (t) => {
  const { srv } = await serve(t, { objects: generatePods(2) });
  const body = JSON.parse((await raw(srv, '/api/v1/pods')).body) as {
    kind: string;
    apiVersion: string;
    items: Record<string, unknown>[];
  };
  t.is(body.kind, 'PodList');
  t.is(body.apiVersion, 'v1');
  t.false('kind' in body.items[0]!);
  t.false('apiVersion' in body.items[0]!);
});

test('401 Status for a missing or wrong token', async (t) => {
  const { srv } = await serve(t);
  const res = await raw(srv, '/api/v1/pods', 'wrong');
  t.is(res.status, 401);
  t.deepEqual(JSON.parse(res.body), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Unauthorized',
    reason: 'Unauthorized',
    code: 401,
  });
  t.true(srv.requests[0]!.hadAuth, 'a header was sent; its value is not recorded');
  t.is((await raw(srv, '/api/v1/pods', '')).status, 401);
});

test('RBAC denial: the real 403 message and details, seen through client-node ApiException', async (t) => {
  const { srv, kc } = await serve(t);
  srv.deny({ verb: 'list', resource: 'clusterroles' });
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const err = await t.throwsAsync(rbac.listClusterRole());
  const e = err as unknown as { code: number; body: string };
  t.is(e.code, 403);
  t.deepEqual(JSON.parse(e.body), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      'clusterroles.rbac.authorization.k8s.io is forbidden: User "system:serviceaccount:kubeproof:kubeproof" cannot list ' +
      'resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    reason: 'Forbidden',
    details: { group: 'rbac.authorization.k8s.io', kind: 'clusterroles' },
    code: 403,
  });
  srv.deny({ verb: 'get', resource: 'pods', namespace: 'kube-system' });
  const podErr = JSON.parse((await raw(srv, '/api/v1/namespaces/kube-system/pods/etcd')).body) as Record<
    string,
    unknown
  >;
  t.is(
    podErr['message'],
    'pods "etcd" is forbidden: User "system:serviceaccount:kubeproof:kubeproof" cannot get resource "pods" in API group "" in the namespace "kube-system"',
  );
  t.deepEqual(podErr['details'], { name: 'etcd', kind: 'pods' });
});

test('404 shapes: missing object and unknown resource', async (t) => {
  const { srv, kc } = await serve(t);
  const err = await t.throwsAsync(
    kc.makeApiClient(k8s.RbacAuthorizationV1Api).readClusterRole({ name: 'nope' }),
  );
  const body = JSON.parse((err as unknown as { body: string }).body) as Record<string, unknown>;
  t.is(body['message'], 'clusterroles.rbac.authorization.k8s.io "nope" not found');
  t.deepEqual(body['details'], { name: 'nope', group: 'rbac.authorization.k8s.io', kind: 'clusterroles' });
  const unknown = await raw(srv, '/apis/example.com/v1/widgets');
  t.is(unknown.status, 404);
  t.is(
    (JSON.parse(unknown.body) as Record<string, unknown>)['message'],
    'the server could not find the requested resource',
  );
});

test('429 as the flow-control filter sends it (text) or as a Status; 500 is InternalError; faults are counted', async (t) => {
  const { srv } = await serve(t);
  srv.inject({ path: '/api/v1/nodes', status: 429, retryAfterSeconds: 7 });
  srv.inject({ path: '/api/v1/nodes', status: 429, retryAfterSeconds: 2, format: 'status' });
  srv.inject({ path: '/api/v1/nodes', status: 500, message: 'etcdserver: request timed out' });
  const r0 = await raw(srv, '/api/v1/nodes');
  t.is(r0.status, 429);
  t.is(r0.headers['retry-after'], '7');
  t.is(r0.headers['content-type'], 'text/plain; charset=utf-8');
  t.is(r0.body, 'Too many requests, please try again later.\n');
  const r1 = await raw(srv, '/api/v1/nodes');
  t.is(r1.headers['retry-after'], '2');
  t.like(JSON.parse(r1.body), { reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds: 2 } });
  const r2 = await raw(srv, '/api/v1/nodes');
  t.is(r2.status, 500);
  t.like(JSON.parse(r2.body), {
    reason: 'InternalError',
    message: 'Internal error occurred: etcdserver: request timed out',
    details: { causes: [{ message: 'etcdserver: request timed out' }] },
  });
  t.is((await raw(srv, '/api/v1/nodes')).status, 200);
});

test('discovery: /version, /api, /api/v1, /apis, /apis/<group>/<version> with verbs, namespaced and kind', async (t) => {
  const { srv, kc } = await serve(t);
  t.is((await kc.makeApiClient(k8s.VersionApi).getCode()).gitVersion, 'v1.31.4');
  const core = await kc.makeApiClient(k8s.CoreV1Api).getAPIResources();
  const pods = core.resources.find((r) => r.name === 'pods');
  t.like(pods, { kind: 'Pod', namespaced: true });
  t.true(pods!.verbs.includes('list'));
  t.truthy(core.resources.find((r) => r.name === 'pods/log'));
  const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
  const names = groups.groups.map((g) => g.name);
  for (const g of [
    'apps',
    'batch',
    'networking.k8s.io',
    'rbac.authorization.k8s.io',
    'admissionregistration.k8s.io',
  ]) {
    t.true(names.includes(g), g);
  }
  const rbac = await kc.makeApiClient(k8s.RbacAuthorizationV1Api).getAPIResources();
  t.like(
    rbac.resources.find((r) => r.name === 'clusterroles'),
    { kind: 'ClusterRole', namespaced: false },
  );
  t.like(JSON.parse((await raw(srv, '/api')).body), { kind: 'APIVersions', versions: ['v1'] });
});

test('label and field selectors, namespaced lists and get through client-node', async (t) => {
  const { kc } = await serve(t, { objects: generatePods(40, 2) });
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const sel = await core.listNamespacedPod({
    namespace: 'ns-1',
    labelSelector: 'app=app-3',
    fieldSelector: 'status.phase=Running',
  });
  t.true(sel.items.length > 0);
  t.true(
    sel.items.every(
      (p) =>
        p.metadata?.namespace === 'ns-1' &&
        p.metadata.labels?.['app'] === 'app-3' &&
        p.status?.phase === 'Running',
    ),
  );
  const neg = await core.listPodForAllNamespaces({ labelSelector: '!nope,app notin (app-0)' });
  t.true(neg.items.every((p) => p.metadata?.labels?.['app'] !== 'app-0'));
  const one = await core.readNamespacedPod({ namespace: 'ns-0', name: 'pod-00002' });
  t.is(one.metadata?.name, 'pod-00002');
  t.is(one.kind, 'Pod');
});

test('every well-known group lists through client-node (apps, batch, networking, rbac, admissionregistration)', async (t) => {
  const ns = (name: string) => ({ namespace: 'team-a', name });
  const { kc } = await serve(t, {
    objects: [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: ns('web') },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: ns('agent') },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: ns('nightly') },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: ns('deny-all') },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: ns('rb') },
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: 'vwc' },
      },
      { apiVersion: 'v1', kind: 'LimitRange', metadata: ns('lr') },
      { apiVersion: 'v1', kind: 'ResourceQuota', metadata: ns('rq') },
    ],
  });
  t.is(
    (await kc.makeApiClient(k8s.AppsV1Api).listDeploymentForAllNamespaces()).items[0]?.metadata?.name,
    'web',
  );
  t.is(
    (await kc.makeApiClient(k8s.AppsV1Api).listNamespacedDaemonSet({ namespace: 'team-a' })).items.length,
    1,
  );
  t.is((await kc.makeApiClient(k8s.BatchV1Api).listCronJobForAllNamespaces()).items.length, 1);
  t.is((await kc.makeApiClient(k8s.NetworkingV1Api).listNetworkPolicyForAllNamespaces()).items.length, 1);
  t.is(
    (await kc.makeApiClient(k8s.RbacAuthorizationV1Api).listRoleBindingForAllNamespaces()).items.length,
    1,
  );
  t.is(
    (await kc.makeApiClient(k8s.AdmissionregistrationV1Api).listValidatingWebhookConfiguration()).items
      .length,
    1,
  );
  t.is((await kc.makeApiClient(k8s.CoreV1Api).listLimitRangeForAllNamespaces()).items.length, 1);
  t.is((await kc.makeApiClient(k8s.CoreV1Api).listResourceQuotaForAllNamespaces()).items.length, 1);
});

test('a generically registered resource is discoverable and listable', async (t) => {
  const { srv } = await serve(t, {
    resources: [
      {
        group: 'example.com',
        version: 'v1alpha1',
        plural: 'widgets',
        kind: 'Widget',
        namespaced: true,
        verbs: ['get', 'list'],
      },
    ],
    objects: [
      { apiVersion: 'example.com/v1alpha1', kind: 'Widget', metadata: { name: 'w1', namespace: 'a' } },
    ],
  });
  const disc = JSON.parse((await raw(srv, '/apis/example.com/v1alpha1')).body) as {
    resources: { name: string }[];
  };
  t.deepEqual(
    disc.resources.map((r) => r.name),
    ['widgets'],
  );
  const list = JSON.parse((await raw(srv, '/apis/example.com/v1alpha1/namespaces/a/widgets')).body) as {
    kind: string;
    items: unknown[];
  };
  t.is(list.kind, 'WidgetList');
  t.is(list.items.length, 1);
});

test('objects load from kubectl List files (JSON and multi-document YAML)', async (t) => {
  const dir = tempDir(t);
  const json = path.join(dir, 'pods.json');
  writeFileSync(
    json,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion: '' },
      items: generatePods(3),
    }),
  );
  const yaml = path.join(dir, 'rbac.yaml');
  writeFileSync(
    yaml,
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleList\nitems:\n- metadata: {name: b}\n  apiVersion: rbac.authorization.k8s.io/v1\n  kind: ClusterRole\n',
  );
  const { srv } = await serve(t, { listFiles: [json, yaml] });
  t.is(srv.objects('', 'pods').length, 3);
  t.deepEqual(
    srv
      .objects('rbac.authorization.k8s.io', 'clusterroles')
      .map((o) => o.metadata.name)
      .sort(),
    ['a', 'b'],
  );
});

test('Jobs: create, get (active then complete), pod log, delete with propagationPolicy; writes recorded', async (t) => {
  const { srv, kc } = await serve(t, {
    jobs: { activeForGets: 1, log: (job) => `[INFO] kube-bench for ${job.metadata.name}\n` },
  });
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const created = await batch.createNamespacedJob({
    namespace: 'kubeproof',
    body: {
      metadata: { name: 'kube-bench-1' },
      spec: {
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'kb', image: 'aquasec/kube-bench' }] },
        },
      },
    },
  });
  t.is(created.metadata?.name, 'kube-bench-1');
  t.truthy(created.metadata?.uid);
  const g1 = await batch.readNamespacedJob({ namespace: 'kubeproof', name: 'kube-bench-1' });
  t.is(g1.status?.active, 1);
  const g2 = await batch.readNamespacedJob({ namespace: 'kubeproof', name: 'kube-bench-1' });
  t.is(g2.status?.succeeded, 1);
  t.is(g2.status?.conditions?.[0]?.type, 'Complete');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const pods = await core.listNamespacedPod({
    namespace: 'kubeproof',
    labelSelector: 'job-name=kube-bench-1',
  });
  t.is(pods.items.length, 1);
  const podName = pods.items[0]!.metadata!.name!;
  t.is(
    await core.readNamespacedPodLog({ namespace: 'kubeproof', name: podName }),
    '[INFO] kube-bench for kube-bench-1\n',
  );
  const del = await batch.deleteNamespacedJob({
    namespace: 'kubeproof',
    name: 'kube-bench-1',
    propagationPolicy: 'Background',
  });
  t.is(del.status, 'Success');
  t.is(srv.objects('batch', 'jobs').length, 0);
  t.is(srv.objects('', 'pods').length, 0, 'Background propagation deletes the pod');
  t.deepEqual(
    srv.writes.map((w) => [w.method, w.path, w.status]),
    [
      ['POST', '/apis/batch/v1/namespaces/kubeproof/jobs', 201],
      ['DELETE', '/apis/batch/v1/namespaces/kubeproof/jobs/kube-bench-1', 200],
    ],
  );
});

test('Job deletion without propagationPolicy orphans the pod (batch/v1 default); failed outcome', async (t) => {
  const { srv, kc } = await serve(t, { jobs: { outcome: 'failed' } });
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  await batch.createNamespacedJob({
    namespace: 'n',
    body: { metadata: { name: 'j' }, spec: { template: { spec: { containers: [] } } } },
  });
  const g = await batch.readNamespacedJob({ namespace: 'n', name: 'j' });
  t.is(g.status?.failed, 1);
  await batch.deleteNamespacedJob({ namespace: 'n', name: 'j' });
  t.is(srv.objects('', 'pods').length, 1);
});

test('writes outside Jobs are refused with 405 and recorded', async (t) => {
  const { srv, kc } = await serve(t);
  const err = await t.throwsAsync(
    kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: 'x' } } }),
  );
  t.is((err as unknown as { code: number }).code, 405);
  t.deepEqual(
    srv.writes.map((w) => [w.method, w.path]),
    [['POST', '/api/v1/namespaces']],
  );
});

test('plain http mode, latency and dropped connections', async (t) => {
  const { srv, kc } = await serve(t, { tls: false, objects: generatePods(1) });
  t.true(srv.url.startsWith('http://'));
  t.is(srv.caPem, undefined);
  srv.latencyMs = 30;
  const started = Date.now();
  t.is((await kc.makeApiClient(k8s.CoreV1Api).listPodForAllNamespaces()).items.length, 1);
  t.true(Date.now() - started >= 25);
  srv.inject({ path: '/api/v1/pods', drop: true });
  const err = await t.throwsAsync(kc.makeApiClient(k8s.CoreV1Api).listPodForAllNamespaces());
  t.truthy(err);
  t.is(srv.requests.at(-1)!.status, 0);
});
