import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import test from 'ava';
import { ConfigError } from '../../src/errors.ts';
import { createKubeClient } from '../../src/kube/client.ts';
import { displayServer, isDefaultFallback, loadKubeConfig } from '../../src/kube/config.ts';
import { startKubeApiServer } from '../support/kube-api-server.ts';
import { kubeconfigYaml, tempDir } from '../support/kube-config.ts';

const noSleep = { retry: { sleep: async () => {} } };

test('--kubeconfig file pointing at the test server: identity and a working client', async (t) => {
  const srv = await startKubeApiServer({ token: 'abc' });
  t.teardown(() => srv.close());
  const file = path.join(tempDir(t), 'config');
  writeFileSync(file, kubeconfigYaml(srv, { context: 'prod-eu' }));
  const loaded = loadKubeConfig({ kubeconfig: file, env: {} });
  t.deepEqual(loaded.identity, { name: 'prod-eu', server: srv.url, source: 'kubeconfig' });
  const v = await createKubeClient(loaded, noSleep).serverVersion();
  t.is(v.gitVersion, 'v1.31.4');
});

test('KUBECONFIG with several paths: missing entries ignored, first definition wins, --context selects', async (t) => {
  const a = await startKubeApiServer({ token: 'ta' });
  const b = await startKubeApiServer({ token: 'tb', tls: false });
  t.teardown(() => a.close());
  t.teardown(() => b.close());
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'a'), kubeconfigYaml(a, { context: 'alpha' }));
  writeFileSync(path.join(dir, 'b'), kubeconfigYaml(b, { context: 'beta' }));
  const env = {
    KUBECONFIG: [path.join(dir, 'missing'), path.join(dir, 'a'), path.join(dir, 'b')].join(path.delimiter),
  };
  const first = loadKubeConfig({ env });
  t.is(first.identity.name, 'alpha', 'current-context of the first file');
  const beta = loadKubeConfig({ env, context: 'beta' });
  t.deepEqual(beta.identity, { name: 'beta', server: b.url, source: 'kubeconfig' });
  t.is(
    (await createKubeClient(beta, noSleep).serverVersion()).major,
    '1',
    'plain http with insecure-skip-tls-verify',
  );
  t.is(b.requests[0]!.hadAuth, true);
});

test('an unknown --context is a ConfigError listing the contexts', (t) => {
  const file = path.join(tempDir(t), 'config');
  writeFileSync(
    file,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://k.example:6443"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: one, context: {cluster: c, user: u}}]\ncurrent-context: one\n',
  );
  const err = t.throws(() => loadKubeConfig({ kubeconfig: file, context: 'two', env: {} }), {
    instanceOf: ConfigError,
  });
  t.regex(err.message, /no context named "two" .*\(contexts: one\)/);
});

test('a kubeconfig without current-context is refused', (t) => {
  const file = path.join(tempDir(t), 'config');
  writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
  const err = t.throws(() => loadKubeConfig({ kubeconfig: file, env: {} }), { instanceOf: ConfigError });
  t.regex(err.message, /no current-context/);
});

test('nothing configured: ConfigError, never a silent http://localhost:8080', (t) => {
  const home = tempDir(t);
  const err = t.throws(() => loadKubeConfig({ env: {}, home }), { instanceOf: ConfigError });
  t.regex(err.message, /no Kubernetes cluster configured/);
  t.regex(err.hint!, /--kubeconfig.*KUBECONFIG.*--snapshot.*--no-cluster/);
});

test("a kubeconfig whose cluster is client-node's localhost:8080 default is refused", (t) => {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'cluster', server: 'http://localhost:8080', skipTLSVerify: false },
    { name: 'user' },
  );
  t.true(isDefaultFallback(kc));
  const file = path.join(tempDir(t), 'config');
  writeFileSync(file, kc.exportConfig());
  const err = t.throws(() => loadKubeConfig({ kubeconfig: file, env: {} }), { instanceOf: ConfigError });
  t.regex(err.message, /points at http:\/\/localhost:8080, the unconfigured default/);
});

test('a missing --kubeconfig file is a ConfigError naming it', (t) => {
  const err = t.throws(() => loadKubeConfig({ kubeconfig: '/nonexistent/kubeconfig', env: {} }), {
    instanceOf: ConfigError,
  });
  t.is(err.message, 'kubeconfig: file not found: /nonexistent/kubeconfig');
});

test('~/.kube/config is used when nothing else is given', (t) => {
  const home = tempDir(t);
  mkdirSync(path.join(home, '.kube'));
  writeFileSync(
    path.join(home, '.kube', 'config'),
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://admin:pw@k.example:6443/?x=1"}}]\nusers: [{name: u, user: {token: secret-token}}]\ncontexts: [{name: home-ctx, context: {cluster: c, user: u}}]\ncurrent-context: home-ctx\n',
  );
  const loaded = loadKubeConfig({ env: {}, home });
  t.deepEqual(loaded.identity, { name: 'home-ctx', server: 'https://k.example:6443', source: 'kubeconfig' });
  t.false(JSON.stringify(loaded.identity).includes('pw'));
});

test('in-cluster: token file, CA and KUBERNETES_SERVICE_HOST; the client authenticates with the mounted token', async (t) => {
  const srv = await startKubeApiServer({ token: 'sa-token' });
  t.teardown(() => srv.close());
  const sa = tempDir(t);
  writeFileSync(path.join(sa, 'token'), 'sa-token');
  writeFileSync(path.join(sa, 'ca.crt'), srv.caPem!);
  writeFileSync(path.join(sa, 'namespace'), 'kubeproof');
  const port = new URL(srv.url).port;
  const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port };
  const loaded = loadKubeConfig({ env, serviceAccountDir: sa, home: tempDir(t) });
  t.deepEqual(loaded.identity, {
    name: 'in-cluster',
    server: `https://127.0.0.1:${port}`,
    source: 'in-cluster',
  });
  t.is((await createKubeClient(loaded, noSleep).serverVersion()).gitVersion, 'v1.31.4');
  t.deepEqual(
    srv.requests.map((r) => [r.path, r.status, r.hadAuth]),
    [['/version', 200, true]],
  );
});

test('in-cluster forced without a token file is a ConfigError', (t) => {
  const sa = tempDir(t);
  const err = t.throws(
    () =>
      loadKubeConfig({
        inCluster: true,
        env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' },
        serviceAccountDir: sa,
      }),
    { instanceOf: ConfigError },
  );
  t.regex(err.message, /no service account token at .*token/);
  const err2 = t.throws(() => loadKubeConfig({ inCluster: true, env: {} }), { instanceOf: ConfigError });
  t.regex(err2.message, /KUBERNETES_SERVICE_HOST is not set/);
});

test('displayServer strips credentials and queries', (t) => {
  t.is(displayServer('https://u:p@api.example:6443?token=x'), 'https://api.example:6443');
  t.is(displayServer('https://api.example:6443/'), 'https://api.example:6443/');
});

test('a mounted token ending in a newline still authenticates', async (t) => {
  const srv = await startKubeApiServer({ token: 'sa-token' });
  t.teardown(() => srv.close());
  const sa = tempDir(t);
  writeFileSync(path.join(sa, 'token'), 'sa-token\n');
  writeFileSync(path.join(sa, 'ca.crt'), srv.caPem!);
  const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(srv.url).port };
  const loaded = loadKubeConfig({ inCluster: true, env, serviceAccountDir: sa });
  t.is((await createKubeClient(loaded, noSleep).serverVersion()).gitVersion, 'v1.31.4');
});

test('a failing exec credential plugin is a credentials error, sent before any request', async (t) => {
  const srv = await startKubeApiServer({ token: 'x' });
  t.teardown(() => srv.close());
  const file = path.join(tempDir(t), 'config');
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${srv.url}"}}]\n` +
      'users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: /nonexistent/aws-iam-authenticator, args: [token], interactiveMode: Never}}}]\n' +
      'contexts: [{name: eks, context: {cluster: c, user: u}}]\ncurrent-context: eks\n',
  );
  const client = createKubeClient(loadKubeConfig({ kubeconfig: file, env: {} }), noSleep);
  const err = await t.throwsAsync(client.serverVersion());
  t.is((err as { code?: string }).code, 'credentials');
  t.regex(err.message, /^cannot load the credentials of kubeconfig .*context "eks"/);
  t.is(srv.requests.length, 0);
});

test('an invalid kubeconfig names the file and the problem, not its content', (t) => {
  const dir = tempDir(t);
  const missingServer = path.join(dir, 'a');
  writeFileSync(
    missingServer,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {}}]\nusers: []\ncontexts: []\n',
  );
  const e1 = t.throws(() => loadKubeConfig({ kubeconfig: missingServer, env: {} }), {
    instanceOf: ConfigError,
  });
  t.regex(e1.message, /kubeconfig: .*\/a: cannot parse: clusters\[0\]\.cluster\.server is missing/);
  const badYaml = path.join(dir, 'b');
  writeFileSync(badYaml, 'users:\n- name: u\n  user: {token: "s3cr3t-value\n');
  const e2 = t.throws(() => loadKubeConfig({ kubeconfig: badYaml, env: {} }), { instanceOf: ConfigError });
  t.false(e2.message.includes('s3cr3t-value'));
});
