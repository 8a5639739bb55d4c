import test from 'ava';
import { createKubeClient, intentFromPath, listMany } from '../../src/kube/client.ts';
import type { KubeClientOptions } from '../../src/kube/client.ts';
import { KubeAccessError, KubeApiError } from '../../src/kube/errors.ts';
import { knownResource } from '../../src/kube/resources.ts';
import type { ResourceRef } from '../../src/kube/types.ts';
import { generatePods, startKubeApiServer } from '../support/kube-api-server.ts';
import type { KubeApiServerOptions } from '../support/kube-api-server.ts';
import { loadedFor } from '../support/kube-config.ts';
import { memoryLogger } from '../../src/util/log.ts';

const PODS = knownResource('', 'pods')!;
const CLUSTERROLES = knownResource('rbac.authorization.k8s.io', 'clusterroles')!;
const SECRETS = knownResource('', 'secrets')!;

interface Ctx {
  teardown(fn: () => void | Promise<void>): void;
}

async function setup(t: Ctx, serverOpts: KubeApiServerOptions = {}, clientOpts: KubeClientOptions = {}) {
  const srv = await startKubeApiServer({ tls: true, token: 'tok-123', ...serverOpts });
  t.teardown(() => srv.close());
  const sleeps: number[] = [];
  const client = createKubeClient(loadedFor(t, srv), {
    timeoutMs: 2000,
    ...clientOpts,
    retry: { sleep: (ms) => Promise.resolve(void sleeps.push(ms)), random: () => 0.5, ...clientOpts.retry },
  });
  return { srv, client, sleeps };
}

async function collect(gen: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

test('lists 1,234 pods over TLS with a bearer token in pages of 500', async (t) => {
  const { srv, client } = await setup(t, { objects: generatePods(1234, 3) });
  const items = (await collect(client.listAll(PODS))) as {
    kind: string;
    apiVersion: string;
    metadata: { name: string };
  }[];
  t.is(items.length, 1234);
  t.is(
    new Set(items.map((i) => `${(i.metadata as { namespace?: string }).namespace}/${i.metadata.name}`)).size,
    1234,
  );
  t.true(
    items.every((i) => i.kind === 'Pod' && i.apiVersion === 'v1'),
    'kind/apiVersion restored on list items',
  );
  const lists = srv.requests.filter((r) => r.path === '/api/v1/pods');
  t.deepEqual(
    lists.map((r) => r.query['limit']),
    ['500', '500', '500'],
  );
  t.is(lists[0]!.query['continue'], undefined);
  t.truthy(lists[1]!.query['continue']);
  t.true(lists.every((r) => r.hadAuth && r.status === 200));
  t.deepEqual(srv.writes, [], 'never writes');
  // the list's input record: its pages as received, hashed in order
  const d = client.listDigests.get('/api/v1/pods')!;
  t.is(d.pages, 3);
  t.is(d.items, 1234);
  t.regex(d.sha256, /^[0-9a-f]{64}$/);
  t.true(d.bytes > 1234 * 100);
});

test('namespaced list and selectors reach the server', async (t) => {
  const { srv, client } = await setup(t, { objects: generatePods(30, 3) });
  const items = await collect(
    client.listAll(PODS, { namespace: 'ns-1', labelSelector: 'app in (app-1,app-2)', pageSize: 2 }),
  );
  t.true(items.length > 0);
  t.true(items.every((i) => (i as { metadata: { namespace: string } }).metadata.namespace === 'ns-1'));
  t.is(srv.requests[0]!.path, '/api/v1/namespaces/ns-1/pods');
  t.is(srv.requests[0]!.query['labelSelector'], 'app in (app-1,app-2)');
});

test('429 with Retry-After is honoured, then the list succeeds', async (t) => {
  const { srv, client, sleeps } = await setup(t, { objects: generatePods(10) });
  srv.inject({ path: '/api/v1/pods', status: 429, retryAfterSeconds: 3, times: 1 });
  srv.inject({ path: '/api/v1/pods', status: 429, retryAfterSeconds: 1, times: 1, format: 'status' });
  const items = await collect(client.listAll(PODS));
  t.is(items.length, 10);
  t.deepEqual(sleeps, [3000, 1000], 'text (flow control) and Status 429 both honoured');
  t.deepEqual(
    srv.requests.map((r) => r.status),
    [429, 429, 200],
  );
});

test('500 then success is retried with jittered exponential backoff', async (t) => {
  const { srv, client, sleeps } = await setup(
    t,
    { objects: generatePods(10) },
    { retry: { baseDelayMs: 100 } },
  );
  srv.inject({ path: '/api/v1/pods', status: 500, times: 2 });
  t.is((await collect(client.listAll(PODS))).length, 10);
  // full jitter with random() = 0.5: 0.5 × 100, 0.5 × 200
  t.deepEqual(sleeps, [50, 100]);
});

test('persistent 503 fails after maxAttempts with a KubeApiError', async (t) => {
  const { srv, client, sleeps } = await setup(t, { objects: generatePods(3) }, { retry: { maxAttempts: 3 } });
  srv.inject({ path: '/api/v1/pods', status: 503, times: 10 });
  const err = await t.throwsAsync(collect(client.listAll(PODS)), { instanceOf: KubeApiError });
  t.is(err.code, 'kube-api');
  t.is(err.status, 503);
  t.regex(err.message, /HTTP 503 ServiceUnavailable after 3 attempts/);
  t.is(sleeps.length, 2);
  t.is(srv.requests.length, 3);
});

test('410 Gone (compacted continue token) restarts the list from scratch and records a note', async (t) => {
  const { srv, client } = await setup(t, { objects: generatePods(1234, 2) });
  let compactions = 0;
  srv.onRequest = (r) => {
    if (r.query['continue'] !== undefined && compactions === 0) {
      compactions++;
      srv.compact();
    }
  };
  const items = await collect(client.listAll(PODS));
  t.is(items.length, 1234, 'no duplicates, nothing missing');
  t.deepEqual(
    srv.requests.map((r) => [r.status, r.query['continue'] === undefined ? 'first' : 'next']),
    [
      [200, 'first'],
      [410, 'next'],
      [200, 'first'],
      [200, 'next'],
      [200, 'next'],
    ],
  );
  t.is(client.notes.length, 1);
  t.regex(client.notes[0]!, /continue token expired \(410 Gone\) after 1 page\(s\); the list was restarted/);
  // the digest is that of the complete read after the restart: its 3 pages, not the abandoned one
  t.is(client.listDigests.get('/api/v1/pods')?.pages, 3);
  t.is(client.listDigests.get('/api/v1/pods')?.items, 1234);
});

test('410 on every continued page gives up after maxListRestarts', async (t) => {
  const { srv, client } = await setup(t, { objects: generatePods(20) }, { maxListRestarts: 2 });
  srv.inject({
    path: '/api/v1/pods',
    status: 410,
    times: 100,
    when: (r) => r.query['continue'] !== undefined,
  });
  const err = await t.throwsAsync(collect(client.listAll(PODS, { pageSize: 5 })), {
    instanceOf: KubeApiError,
  });
  t.is(err.status, 410);
  t.regex(err.message, /expired \(410 Gone\) 3 times/);
  t.is(client.notes.length, 2);
});

test('410 on a first page (no continue token) is an error, not a restart loop', async (t) => {
  const { srv, client } = await setup(t, { objects: generatePods(3) });
  srv.inject({ path: '/api/v1/pods', status: 410 });
  const err = await t.throwsAsync(collect(client.listAll(PODS)), { instanceOf: KubeApiError });
  t.is(err.status, 410);
  t.is(err.reason, 'Expired');
});

test('403 becomes KubeAccessError naming verb, resource, group, scope and the deploy manifest', async (t) => {
  const { srv, client } = await setup(t);
  srv.deny({ verb: 'list', resource: 'clusterroles' });
  const err = await t.throwsAsync(collect(client.listAll(CLUSTERROLES)), { instanceOf: KubeAccessError });
  t.is(err.code, 'forbidden');
  t.is(err.status, 403);
  t.is(
    err.message,
    '403 Forbidden: cannot list clusterroles.rbac.authorization.k8s.io at the cluster scope as ' +
      'system:serviceaccount:kubeproof:kubeproof: missing permission "list" on resource "clusterroles" in ' +
      'API group "rbac.authorization.k8s.io" at the cluster scope (granted by deploy/base/clusterrole.yaml)',
  );
  t.regex(err.hint!, /deploy\/base\/clusterrole\.yaml/);
  t.deepEqual(err.intent, {
    verb: 'list',
    group: 'rbac.authorization.k8s.io',
    resource: 'clusterroles',
    path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  });
  t.is(srv.requests.length, 1, '403 is not retried');
});

test('403 in a namespace of the core group names the namespace and the core group', async (t) => {
  const { srv, client } = await setup(t, { objects: generatePods(3) });
  srv.deny({ verb: 'list', resource: 'secrets', namespace: 'ns-0' });
  const err = await t.throwsAsync(collect(client.listAll(SECRETS, { namespace: 'ns-0' })), {
    instanceOf: KubeAccessError,
  });
  t.regex(
    err.message,
    /cannot list secrets in namespace "ns-0".*the core API group \(""\) in namespace "ns-0"/,
  );
});

test('401 becomes KubeAccessError(unauthorized) without echoing the token', async (t) => {
  const srv = await startKubeApiServer({ token: 'right-token' });
  t.teardown(() => srv.close());
  const client = createKubeClient(loadedFor(t, srv, { token: 'wrong-token-value' }), {
    retry: { sleep: async () => {} },
  });
  const err = await t.throwsAsync(client.serverVersion(), { instanceOf: KubeAccessError });
  t.is(err.code, 'unauthorized');
  t.regex(
    err.message,
    /^401 Unauthorized: the API server refused kubeproof's credentials \(kubeconfig .*context "test"\)/,
  );
  t.false(`${err.message} ${err.hint}`.includes('wrong-token-value'));
  t.is(srv.requests.length, 1);
});

test('a dropped connection is retried, then fails with kube-unreachable after maxAttempts', async (t) => {
  const { srv, client, sleeps } = await setup(
    t,
    { objects: generatePods(4) },
    { retry: { maxAttempts: 3, baseDelayMs: 10 } },
  );
  srv.inject({ path: '/api/v1/pods', drop: true, times: 1 });
  t.is((await collect(client.listAll(PODS))).length, 4);
  t.is(sleeps.length, 1);
  srv.inject({ path: '/api/v1/pods', drop: true, times: 5 });
  const err = await t.throwsAsync(collect(client.listAll(PODS)), { instanceOf: KubeApiError });
  t.is(err.code, 'kube-unreachable');
  t.regex(err.message, /unreachable \(ECONNRESET\) after 3 attempts/);
});

test('connection refused is retried and reported as unreachable', async (t) => {
  const { srv, client } = await setup(t, {}, { retry: { maxAttempts: 2 } });
  await srv.close();
  const err = await t.throwsAsync(client.serverVersion(), { instanceOf: KubeApiError });
  t.is(err.code, 'kube-unreachable');
  t.regex(err.message, /ECONNREFUSED\) after 2 attempts/);
});

test('a hung request times out, is retried, and succeeds', async (t) => {
  const { srv, client, sleeps } = await setup(t, { objects: generatePods(2) }, { timeoutMs: 1500 });
  srv.inject({ path: '/api/v1/pods', delayMs: 5000 });
  t.is((await collect(client.listAll(PODS))).length, 2);
  t.is(sleeps.length, 1);
});

test('timeouts on every attempt end in a timeout error', async (t) => {
  const { srv, client } = await setup(t, {}, { timeoutMs: 100, retry: { maxAttempts: 2 } });
  srv.inject({ path: '/version', delayMs: 600, times: 2 });
  const err = await t.throwsAsync(client.serverVersion(), { instanceOf: KubeApiError });
  t.is(err.code, 'timeout');
  t.regex(err.message, /timed out \(100 ms per attempt\) after 2 attempts/);
});

test('the caller abort signal stops a list without retrying', async (t) => {
  const { srv, client, sleeps } = await setup(t, { objects: generatePods(2) });
  srv.inject({ path: '/api/v1/pods', delayMs: 500 });
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('run cancelled')), 50);
  await t.throwsAsync(collect(client.listAll(PODS, { signal: ac.signal })), { message: 'run cancelled' });
  t.is(sleeps.length, 0);
});

test('a TLS failure (untrusted CA) is not retried and names the cause', async (t) => {
  const srv = await startKubeApiServer({ token: 't' });
  t.teardown(() => srv.close());
  const client = createKubeClient(loadedFor(t, srv, { omitCa: true }), { retry: { sleep: async () => {} } });
  const err = await t.throwsAsync(client.serverVersion(), { instanceOf: KubeApiError });
  t.is(err.code, 'kube-unreachable');
  t.regex(err.message, /TLS verification of https:\/\/127\.0\.0\.1:\d+ failed/);
  t.is(srv.requests.length, 0);
});

test('serverVersion, discovery and get', async (t) => {
  const { srv, client } = await setup(t, { objects: generatePods(2), gitVersion: 'v1.30.2' });
  t.deepEqual(await client.serverVersion(), {
    major: '1',
    minor: '30',
    gitVersion: 'v1.30.2',
    platform: 'linux/amd64',
  });
  t.true(await client.resourceAvailable(CLUSTERROLES));
  t.false(
    await client.resourceAvailable({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      plural: 'widgets',
      namespaced: false,
    }),
  );
  t.false(
    await client.resourceAvailable({
      group: 'example.com',
      version: 'v1',
      plural: 'widgets',
      namespaced: false,
    }),
  );
  t.true(
    await client.resourceAvailable({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      plural: 'roles',
      namespaced: true,
    }),
  );
  t.is(
    srv.requests.filter((r) => r.path === '/apis/rbac.authorization.k8s.io/v1').length,
    1,
    'discovery cached',
  );
  const pod = (await client.get('/api/v1/namespaces/ns-0/pods/pod-00001')) as { metadata: { name: string } };
  t.is(pod.metadata.name, 'pod-00001');
  t.is(await client.get('/api/v1/namespaces/ns-0/pods/nope'), undefined);
});

test('Secrets listed from the API lose their values before reaching the caller', async (t) => {
  const { client } = await setup(t, {
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 's',
          namespace: 'a',
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"k":"c2VjcmV0"}}' },
        },
        type: 'Opaque',
        data: { password: 'c2VjcmV0' },
      },
    ],
  });
  const [s] = (await collect(client.listAll(SECRETS))) as Record<string, unknown>[];
  t.deepEqual(s!['data'], { password: '[REDACTED]' });
  t.false(JSON.stringify(s).includes('c2VjcmV0'));
});

test('listMany lists with bounded concurrency and keeps per-resource errors', async (t) => {
  const { srv, client } = await setup(t, { objects: generatePods(5) });
  srv.deny({ resource: 'clusterroles' });
  let inFlight = 0;
  let peak = 0;
  srv.onRequest = () => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => inFlight--, 20);
  };
  srv.latencyMs = 20;
  const resources: ResourceRef[] = ['pods', 'namespaces', 'nodes', 'configmaps', 'services'].map((p) =>
    knownResource('', p)!,
  );
  const results = await listMany(client, [...resources, CLUSTERROLES], { concurrency: 2 });
  t.is(results.length, 6);
  t.deepEqual(
    results.map((r) => r.resource.plural),
    ['pods', 'namespaces', 'nodes', 'configmaps', 'services', 'clusterroles'],
  );
  t.is('items' in results[0]! ? results[0].items.length : -1, 5);
  t.true('error' in results[5]! && results[5].error instanceof KubeAccessError);
  t.true(peak <= 2);
});

test('intentFromPath derives verb, group, resource and scope', (t) => {
  t.deepEqual(intentFromPath('/apis/apps/v1/namespaces/x/deployments/web'), {
    verb: 'get',
    group: 'apps',
    resource: 'deployments',
    namespace: 'x',
    name: 'web',
    path: '/apis/apps/v1/namespaces/x/deployments/web',
  });
  t.deepEqual(intentFromPath('/api/v1/namespaces/x/pods/p/log?tailLines=5'), {
    verb: 'get',
    group: '',
    resource: 'pods/log',
    namespace: 'x',
    name: 'p',
    path: '/api/v1/namespaces/x/pods/p/log',
  });
});

test('retry and restart log lines carry path and reason, never the token or response bodies', async (t) => {
  const log = memoryLogger();
  const { srv, client } = await setup(t, { objects: generatePods(30) }, { log });
  srv.inject({ path: '/api/v1/pods', status: 500, message: 'etcd says tok-123', times: 1 });
  let compacted = false;
  srv.onRequest = (r) => {
    if (r.query['continue'] !== undefined && !compacted) {
      compacted = true;
      srv.compact();
    }
  };
  t.is((await collect(client.listAll(PODS, { pageSize: 10 }))).length, 30);
  const text = log.lines.join('\n');
  t.regex(text, /kube: retrying.*"reason":"HTTP 500"/);
  t.regex(text, /continue token expired \(410 Gone\)/);
  t.false(text.includes('tok-123'));
  t.false(text.includes('etcd says'));
});

test('a projection replaces each item as its page arrives; a 410 restart discards the partial projections', async (t) => {
  const { srv, client } = await setup(t, { objects: generatePods(1234, 2) });
  let compactions = 0;
  srv.onRequest = (r) => {
    if (r.query['continue'] !== undefined && compactions === 0) {
      compactions++;
      srv.compact();
    }
  };
  let calls = 0;
  const project = (o: { apiVersion: string; kind: string; metadata: { name: string } }) => {
    calls++;
    return { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name } };
  };
  const items = (await collect(client.listAll({ ...PODS, project }))) as Record<string, unknown>[];
  t.is(items.length, 1234, 'no duplicates, nothing missing');
  t.is(calls, 500 + 1234, 'the first page was projected, then discarded with the restart');
  t.deepEqual(Object.keys(items[0]!), ['apiVersion', 'kind', 'metadata']);
  t.is(items[0]!['kind'], 'Pod');
  t.is(items[0]!['apiVersion'], 'v1');
  t.is(new Set(items.map((i) => (i['metadata'] as { name: string }).name)).size, 1234);
});
