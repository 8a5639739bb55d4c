import path from 'node:path';
import { writeFileSync } from 'node:fs';
import test from 'ava';
import { UsageError } from '../../src/errors.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { openCluster } from '../../src/kube/open.ts';
import { SnapshotReader } from '../../src/kube/snapshot.ts';
import { startKubeApiServer } from '../support/kube-api-server.ts';
import { kubeconfigYaml, tempDir } from '../support/kube-config.ts';
import { projectRoot } from '../support/kube-shared.ts';

test('--no-cluster gives no reader; --snapshot a SnapshotReader; --kubeconfig a live KubeClient', async (t) => {
  t.is(openCluster({ noCluster: true }), undefined);
  const snap = openCluster({ snapshot: [path.join(projectRoot, 'test/fixtures/kube/snapshot')] });
  t.true(snap instanceof SnapshotReader);
  t.is(snap!.identity().source, 'snapshot');
  const srv = await startKubeApiServer({ token: 'x' });
  t.teardown(() => srv.close());
  const file = path.join(tempDir(t), 'kc');
  writeFileSync(file, kubeconfigYaml(srv));
  const live = openCluster({ kubeconfig: file, env: {} });
  t.true(live instanceof KubeClient);
  t.is((await live!.serverVersion())!.gitVersion, 'v1.31.4');
});

test('contradictory flags are usage errors', (t) => {
  t.throws(() => openCluster({ noCluster: true, snapshot: ['x'] }), { instanceOf: UsageError });
  t.throws(() => openCluster({ snapshot: ['x'], kubeconfig: 'y' }), {
    instanceOf: UsageError,
    message: /--snapshot reads offline files/,
  });
});
