/* eslint-disable @typescript-eslint/no-explicit-any -- Job manifests are free-form objects; these tests assert their shape field by field */
/** Test API server set-up for the Job orchestration tests. */
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { clientNodeJobApi } from '../../src/jobs/api.ts';
import type { JobApi } from '../../src/jobs/api.ts';
import type { Clock } from '../../src/jobs/orchestrate.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { startKubeApiServer } from '../support/kube-api-server.ts';
import type { KubeApiServer, KubeApiServerOptions } from '../support/kube-api-server.ts';
import { ROOT } from '../support/cli.ts';

export const NODE_JSON = readFileSync(path.join(ROOT, 'test/fixtures/jobs/kube-bench-node.json'), 'utf8');
export const CP_JSON = readFileSync(
  path.join(ROOT, 'test/fixtures/jobs/kube-bench-control-plane.json'),
  'utf8',
);

/** kube-bench prints its JSON on one line; glog warnings go to stderr, which the pod log interleaves. */
export function kubeBenchLog(job: KubeObject): string {
  const role = job.metadata.labels?.['kubeproof.dev/role'];
  const doc = JSON.stringify(JSON.parse(role === 'control-plane' ? CP_JSON : NODE_JSON));
  return `W1101 02:00:01.000001       1 util.go:293] Unable to find config for etcd\n${doc}\n`;
}

export function nodeObject(
  name: string,
  opts: { controlPlane?: boolean; ready?: boolean } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        ...(opts.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
    },
    status: { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

type Ctx = { teardown(fn: () => void | Promise<void>): void };

export async function serve(
  t: Ctx,
  opts: KubeApiServerOptions = {},
): Promise<{ srv: KubeApiServer; kc: k8s.KubeConfig; api: JobApi }> {
  const srv = await startKubeApiServer({ token: 'tok', ...opts });
  t.teardown(() => srv.close());
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: srv.url,
        caData: Buffer.from(srv.caPem!).toString('base64'),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: 'u', token: 'tok' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { srv, kc, api: clientNodeJobApi(kc) };
}

/** A clock whose sleep advances time at once (and can abort the run after `abortAfterSleeps`). */
export function fakeClock(start = '2026-11-01T02:00:00.000Z'): Clock & { sleeps: number } {
  let t = new Date(start).getTime();
  const c = {
    sleeps: 0,
    now: () => new Date(t),
    sleep: (ms: number) => {
      c.sleeps++;
      t += ms;
      return Promise.resolve();
    },
  };
  return c;
}

/** Wraps a JobApi, recording the Job bodies created. */
export function spy(api: JobApi): JobApi & { created: Record<string, any>[] } {
  const created: Record<string, unknown>[] = [];
  return {
    ...api,
    created,
    createJob: (ns, body) => {
      created.push(structuredClone(body));
      return api.createJob(ns, body);
    },
  };
}
