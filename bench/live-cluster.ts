/**
 * Live-cluster bench: a generated cluster (default 20,000 pods in 400 namespaces, their Deployments and
 * ReplicaSets, NetworkPolicies in most namespaces, 5,000 RBAC objects) served over loopback TLS with a
 * bearer token by the Kubernetes API test server. Measures, in one client process, on the same server:
 *   - baseline: a bare paginated listing (`KubeClient.listAll`, items counted and dropped) of exactly the
 *     lists the rbac and workloads sources read, in the same order;
 *   - full path: `runScan` with the real sources from `createSources` (kubeconfig → rbac + workloads),
 *     assess, buildReport, the JSON renderer and the local write of report.json;
 *   - `kubectl get <same lists> -A -o json` when kubectl is on the PATH (a separate process).
 * Goal: the full path takes at most 1.20× the bare listing; peak RSS of the client process at most 512 MiB.
 *
 * Processes: the API server runs in a child process (`--serve`), so it does not share a heap or a CPU
 * queue slot's accounting with the client; the client (bare listing + full path) runs in a second child
 * (`--measure`) so its peak RSS (kernel maxRSS, and /proc VmRSS sampled every 20 ms by the parent) is
 * kubeproof's alone, never polluted by other benches of `npm run bench`.
 *
 * Run alone: `node bench/live-cluster.ts [--pods 20000] [--namespaces 400] [--rbac 5000] [--repeat 3]`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { loadConfig } from '../src/config/load.ts';
import { renderFormats, writeLocal } from '../src/cli/outputs.ts';
import { createKubeClient } from '../src/kube/client.ts';
import { loadKubeConfig } from '../src/kube/config.ts';
import type { KubeObject } from '../src/kube/types.ts';
import { loadMappings } from '../src/mapping/load.ts';
import { runScan } from '../src/run.ts';
import { RBAC_RESOURCES } from '../src/sources/rbac/model.ts';
import type { ResourceDescriptor } from '../src/sources/rbac/kube-objects.ts';
import { createSources } from '../src/sources/registry.ts';
import { WORKLOAD_RESOURCES } from '../src/sources/workloads/model.ts';
import { createLogger } from '../src/util/log.ts';
import { TOOL_VERSION } from '../src/version.ts';

const SELF = fileURLToPath(import.meta.url);

export interface ClusterShape {
  pods: number;
  namespaces: number;
  /** Roles + RoleBindings + ClusterRoles + ClusterRoleBindings. */
  rbacObjects: number;
}

export interface LiveClusterOptions extends Partial<ClusterShape> {
  /** Bare/full pairs run alternately; the best wall time of each is kept (default 3). */
  repeat?: number;
  /** Also time `kubectl get ... -o json` when kubectl is installed (default true). */
  kubectl?: boolean;
  pageSize?: number;
  log?: (line: string) => void;
}

export interface PhaseFigures {
  /** Wall time of each run, ms. */
  runsMs: number[];
  bestMs: number;
  medianMs: number;
  /** Highest RSS sampled in-process during the runs of this phase (every 20 ms; blocked event loop misses samples). */
  sampledPeakRssMiB: number;
}

export interface LiveClusterResult {
  shape: ClusterShape;
  objects: number;
  /** JSON bytes the server holds (what one full listing transfers, roughly). */
  wireBytes: number;
  bare: PhaseFigures & { items: number };
  full: PhaseFigures & {
    findings: number;
    reportBytes: number;
    exitCode: number;
    findingsBySource: Record<string, number>;
    /** Where the best full run's time went (ms): list = sources' read(), analyze = their normalize(). */
    phases: {
      listMs: number;
      analyzeMs: number;
      assessBuildMs: number;
      renderMs: number;
      writeMs: number;
      otherMs: number;
    };
    /** Highest RSS sampled in each phase of the full runs (MiB). */
    phasePeakRssMiB: { list: number; analyze: number; assessBuild: number; render: number; write: number };
  };
  /** Client RSS after loading the mappings and before the first listing. */
  baseRssMiB: number;
  kubectl?: { ms: number; maxRssMiB: number; items: number; version: string } | { skipped: string };
  /** full.bestMs / bare.bestMs. */
  ratio: number;
  /**
   * Kernel high-water mark of the client process over its whole life (bare runs + full runs): VmHWM of
   * /proc/self/status. Not `process.resourceUsage().maxRSS`: on Linux a spawned child's maxRSS starts at
   * its parent's RSS at fork time (carried across exec), so under a large parent it reports the parent.
   */
  clientMaxRssMiB: number;
  /** /proc/<client>/status VmRSS sampled every 20 ms by the parent process (not blocked by the client's event loop). */
  clientSampledPeakRssMiB: number;
  /**
   * Peak RSS of a third child that runs the full path once and nothing else (VmHWM, and VmRSS sampled by
   * the parent): kubeproof's own peak, not raised by the bare listings of the measuring child.
   */
  fullAloneMaxRssMiB: number;
  /** That child's RSS before its first request (imports and mappings loaded) and its peak by phase. */
  fullAloneBaseRssMiB: number;
  fullAlonePhasePeakRssMiB: LiveClusterResult['full']['phasePeakRssMiB'];
  processes: string;
}

/* ---------------- generator ---------------- */

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (r: () => number, n: number): string => {
  let s = '';
  while (s.length < n)
    s += Math.floor(r() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, n);
};

const RBAC_API = 'rbac.authorization.k8s.io/v1';
const TEAMS = ['payments', 'checkout', 'ledger', 'identity', 'web', 'search', 'ml', 'data', 'ops', 'mobile'];

/**
 * A deterministic cluster shaped like a busy multi-team production one: namespaces with Pod Security
 * labels (most), default-deny and app NetworkPolicies (most), LimitRanges and ResourceQuotas (some),
 * ServiceAccounts, Deployments → ReplicaSets → Pods (3–8 replicas; full pod specs with probes, env,
 * volumes, resources and statuses), and RBAC: per-namespace Roles/RoleBindings plus ClusterRoles and
 * ClusterRoleBindings with a realistic share of wildcards, secret readers, exec and cluster-admin bindings.
 */
export function generateCluster(shape: ClusterShape, seed = 7): KubeObject[] {
  const r = rng(seed);
  const out: KubeObject[] = [];
  const ts = '2026-10-01T08:00:00Z';
  const nsNames = Array.from(
    { length: shape.namespaces },
    (_, i) => `${TEAMS[i % TEAMS.length]}-${String(i).padStart(3, '0')}`,
  );
  for (const [i, ns] of nsNames.entries()) {
    const labels: Record<string, string> = {
      'kubernetes.io/metadata.name': ns,
      team: TEAMS[i % TEAMS.length]!,
    };
    if (i % 5 !== 0) labels['pod-security.kubernetes.io/enforce'] = i % 3 === 0 ? 'baseline' : 'restricted';
    out.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels, creationTimestamp: ts },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    out.push({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: ns, creationTimestamp: ts },
    });
    out.push({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'app', namespace: ns, creationTimestamp: ts },
      automountServiceAccountToken: i % 2 === 0,
    });
    if (i % 4 !== 3) {
      out.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'default-deny', namespace: ns, creationTimestamp: ts },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      });
      out.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-ingress-controller', namespace: ns, creationTimestamp: ts },
        spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/part-of': ns } },
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [
                { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
              ],
              ports: [{ protocol: 'TCP', port: 8080 }],
            },
          ],
        },
      });
    }
    if (i % 3 === 0) {
      out.push({
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'defaults', namespace: ns },
        spec: {
          limits: [
            {
              type: 'Container',
              default: { cpu: '500m', memory: '512Mi' },
              defaultRequest: { cpu: '100m', memory: '128Mi' },
            },
          ],
        },
      });
      out.push({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'quota', namespace: ns },
        spec: { hard: { 'requests.cpu': '40', 'requests.memory': '80Gi', pods: '200' } },
      });
    }
  }

  // Workloads: Deployments of 3–8 replicas, spread round-robin over namespaces, until `pods` pods exist.
  let pods = 0;
  let dep = 0;
  while (pods < shape.pods) {
    const ns = nsNames[dep % nsNames.length]!;
    const app = `svc-${String(dep).padStart(5, '0')}`;
    const replicas = Math.min(3 + Math.floor(r() * 6), shape.pods - pods);
    const depUid = `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-8${hex(r, 3)}-${hex(r, 12)}`;
    const rsUid = `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-8${hex(r, 3)}-${hex(r, 12)}`;
    const hash = hex(r, 10);
    const rsName = `${app}-${hash}`;
    const labels = {
      app,
      'app.kubernetes.io/name': app,
      'app.kubernetes.io/part-of': ns,
      'pod-template-hash': hash,
    };
    const risky = r();
    const image =
      risky < 0.1
        ? `registry.example.com/${ns}/${app}:latest`
        : risky < 0.6
          ? `registry.example.com/${ns}/${app}:1.${dep % 40}.${dep % 7}`
          : `registry.example.com/${ns}/${app}@sha256:${hex(r, 64)}`;
    const hardened = risky > 0.25;
    const container: Record<string, unknown> = {
      name: 'app',
      image,
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
      env: [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        ...(risky < 0.15
          ? [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: `${app}-db`, key: 'password' } } }]
          : []),
      ],
      resources:
        risky < 0.2
          ? { requests: { cpu: '100m' } }
          : { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      livenessProbe: {
        httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
        initialDelaySeconds: 10,
        periodSeconds: 10,
        timeoutSeconds: 1,
        successThreshold: 1,
        failureThreshold: 3,
      },
      readinessProbe: {
        httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' },
        periodSeconds: 5,
        timeoutSeconds: 1,
        successThreshold: 1,
        failureThreshold: 3,
      },
      volumeMounts: [
        { name: 'config', mountPath: '/etc/app', readOnly: true },
        {
          name: 'kube-api-access',
          mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
          readOnly: true,
        },
      ],
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
      securityContext: hardened
        ? {
            runAsNonRoot: true,
            runAsUser: 10001,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          }
        : risky < 0.03
          ? { privileged: true }
          : { allowPrivilegeEscalation: true },
    };
    const podSpec: Record<string, unknown> = {
      serviceAccountName: risky < 0.3 ? 'default' : 'app',
      containers: [container],
      volumes: [
        { name: 'config', configMap: { name: `${app}-config`, defaultMode: 420 } },
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            ],
          },
        },
        ...(risky < 0.04 ? [{ name: 'host-logs', hostPath: { path: '/var/log', type: 'Directory' } }] : []),
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
      ...(risky < 0.02 ? { hostNetwork: true } : {}),
      ...(hardened
        ? {
            securityContext: {
              runAsNonRoot: true,
              fsGroup: 10001,
              seccompProfile: { type: 'RuntimeDefault' },
            },
          }
        : { securityContext: {} }),
    };
    out.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: app,
        namespace: ns,
        uid: depUid,
        labels: { app },
        annotations: { 'deployment.kubernetes.io/revision': '3' },
        generation: 3,
        creationTimestamp: ts,
      },
      spec: {
        replicas,
        selector: { matchLabels: { app } },
        template: {
          metadata: { labels: { app, 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': ns } },
          spec: podSpec,
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {
        observedGeneration: 3,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
      },
    });
    out.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace: ns,
        uid: rsUid,
        labels,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          'deployment.kubernetes.io/revision': '3',
        },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: app,
            uid: depUid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        creationTimestamp: ts,
      },
      spec: {
        replicas,
        selector: { matchLabels: { app, 'pod-template-hash': hash } },
        template: { metadata: { labels }, spec: podSpec },
      },
      status: {
        replicas,
        fullyLabeledReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        observedGeneration: 3,
      },
    });
    for (let k = 0; k < replicas; k++, pods++) {
      const podName = `${rsName}-${hex(r, 5)}`;
      out.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: podName,
          generateName: `${rsName}-`,
          namespace: ns,
          labels,
          annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-10-20T10:00:00Z' },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: rsName,
              uid: rsUid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
          creationTimestamp: ts,
        },
        spec: {
          ...podSpec,
          nodeName: `worker-${pods % 60}`,
          priority: 0,
          enableServiceLinks: true,
          preemptionPolicy: 'PreemptLowerPriority',
        },
        status: {
          phase: 'Running',
          conditions: [
            'PodReadyToStartContainers',
            'Initialized',
            'Ready',
            'ContainersReady',
            'PodScheduled',
          ].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: ts })),
          hostIP: `10.0.${pods % 60}.10`,
          podIP: `10.244.${Math.floor(pods / 250) % 256}.${pods % 250}`,
          podIPs: [{ ip: `10.244.${Math.floor(pods / 250) % 256}.${pods % 250}` }],
          startTime: ts,
          qosClass: 'Burstable',
          containerStatuses: [
            {
              name: 'app',
              state: { running: { startedAt: ts } },
              lastState: {},
              ready: true,
              restartCount: k % 3,
              image,
              imageID: `registry.example.com/${ns}/${app}@sha256:${hex(r, 64)}`,
              containerID: `containerd://${hex(r, 64)}`,
              started: true,
            },
          ],
        },
      });
    }
    dep++;
  }

  // RBAC: 4 objects per namespace (2 Roles + 2 RoleBindings) up to 80% of the budget, the rest cluster-scoped.
  const nsBudget = Math.min(shape.namespaces * 4, Math.floor(shape.rbacObjects * 0.8));
  let rbac = 0;
  for (let i = 0; rbac < nsBudget; i++) {
    const ns = nsNames[i % nsNames.length]!;
    const n = Math.floor(i / nsNames.length);
    const kind = i % 2 === 0;
    const role = `${kind ? 'developer' : 'deployer'}-${n}`;
    const rules = kind
      ? [
          {
            apiGroups: ['', 'apps'],
            resources: ['pods', 'pods/log', 'deployments', 'replicasets', 'services', 'configmaps'],
            verbs: ['get', 'list', 'watch'],
          },
          ...(i % 7 === 0 ? [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }] : []),
          ...(i % 11 === 0 ? [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] : []),
        ]
      : [
          {
            apiGroups: ['apps'],
            resources: ['deployments'],
            verbs: i % 13 === 0 ? ['*'] : ['get', 'list', 'create', 'update', 'patch'],
          },
          {
            apiGroups: [''],
            resources: ['configmaps', 'services'],
            verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'],
          },
        ];
    out.push({
      apiVersion: RBAC_API,
      kind: 'Role',
      metadata: { name: role, namespace: ns, creationTimestamp: ts },
      rules,
    });
    out.push({
      apiVersion: RBAC_API,
      kind: 'RoleBinding',
      metadata: { name: `${role}-binding`, namespace: ns, creationTimestamp: ts },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
      subjects: kind
        ? [
            { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `team-${TEAMS[i % TEAMS.length]}` },
            { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `dev${i % 97}@example.com` },
          ]
        : [{ kind: 'ServiceAccount', name: i % 9 === 0 ? 'default' : 'app', namespace: ns }],
    });
    rbac += 2;
  }
  for (let i = 0; rbac < shape.rbacObjects; i++) {
    const name = i === 0 ? 'cluster-admin' : `platform:${TEAMS[i % TEAMS.length]}:role-${i}`;
    const rules =
      i === 0
        ? [
            { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
            { nonResourceURLs: ['*'], verbs: ['*'] },
          ]
        : i % 17 === 0
          ? [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }]
          : [
              {
                apiGroups: [''],
                resources: ['nodes', 'namespaces', 'pods'],
                verbs: ['get', 'list', 'watch'],
              },
              ...(i % 5 === 0
                ? [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }]
                : []),
              ...(i % 23 === 0
                ? [
                    {
                      apiGroups: ['rbac.authorization.k8s.io'],
                      resources: ['clusterroles'],
                      verbs: ['bind', 'escalate'],
                    },
                  ]
                : []),
            ];
    out.push({
      apiVersion: RBAC_API,
      kind: 'ClusterRole',
      metadata: {
        name,
        labels: { 'kubernetes.io/bootstrapping': i === 0 ? 'rbac-defaults' : 'platform' },
        creationTimestamp: ts,
      },
      rules,
    });
    rbac++;
    if (rbac >= shape.rbacObjects) break;
    const subjects =
      i === 0
        ? [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' }]
        : i % 29 === 0
          ? [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `admin${i}@example.com` }]
          : [{ kind: 'ServiceAccount', name: 'app', namespace: nsNames[i % nsNames.length]! }];
    out.push({
      apiVersion: RBAC_API,
      kind: 'ClusterRoleBinding',
      metadata: { name: `${name.replace(/:/g, '-')}-binding`, creationTimestamp: ts },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: i % 29 === 0 ? 'cluster-admin' : name,
      },
      subjects,
    });
    rbac++;
  }
  return out;
}

/** The lists the rbac and workloads sources read, in their order (serviceaccounts is read by both). */
export function sourceLists(): ResourceDescriptor[] {
  return [
    RBAC_RESOURCES.roles,
    RBAC_RESOURCES.clusterRoles,
    RBAC_RESOURCES.roleBindings,
    RBAC_RESOURCES.clusterRoleBindings,
    RBAC_RESOURCES.serviceAccounts,
    WORKLOAD_RESOURCES.pods,
    ...Object.entries(WORKLOAD_RESOURCES)
      .filter(([k]) => k !== 'pods')
      .map(([, d]) => d),
  ];
}

/* ---------------- server child ---------------- */

async function serve(shape: ClusterShape): Promise<void> {
  const { startKubeApiServer } = await import('../test/support/kube-api-server.ts');
  const objects = generateCluster(shape);
  const wireBytes = objects.reduce((s, o) => s + JSON.stringify(o).length, 0);
  const srv = await startKubeApiServer({ tls: true, token: 'bench-token', objects });
  process.stdout.write(
    JSON.stringify({ url: srv.url, caPem: srv.caPem, token: srv.token, objects: objects.length, wireBytes }) +
      '\n',
  );
  // Lives until the parent closes stdin.
  process.stdin.resume();
  process.stdin.on('end', () => void srv.close().then(() => process.exit(0)));
}

/* ---------------- client child ---------------- */

/**
 * This process's peak RSS in KiB: VmHWM (per address space, so it starts afresh at exec), falling back to
 * maxRSS where /proc is absent (which, on Linux, includes the parent's RSS at fork time).
 */
export function ownHighWaterKiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

const MiB = 1024 * 1024;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface PhaseRss {
  bare: number;
  list: number;
  analyze: number;
  assessBuild: number;
  render: number;
  write: number;
}

interface MeasureResult {
  bare: LiveClusterResult['bare'];
  full: LiveClusterResult['full'];
  baseRssMiB: number;
  maxRssMiB: number;
}

/**
 * Runs bare listing and full scan alternately `repeat` times against the kubeconfig's cluster, in this
 * process (a warm-up bare listing first, so neither side pays the JIT and TLS set-up alone).
 */
export async function measureLive(
  kubeconfig: string,
  repeat: number,
  pageSize = 500,
  fullOnly = false,
): Promise<MeasureResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const mappings = await loadMappings();
  const lists = sourceLists();
  const out = mkdtempSync(path.join(tmpdir(), 'kubeproof-bench-out-'));
  gc?.();
  const baseRssMiB = Math.round(process.memoryUsage().rss / MiB);
  let peak = 0;
  // Peak RSS per phase of the full path (sampled every 20 ms and at every phase boundary).
  let phase: keyof PhaseRss = 'bare';
  const phaseRss: PhaseRss = { bare: 0, list: 0, analyze: 0, assessBuild: 0, render: 0, write: 0 };
  const sample = (): void => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
    phaseRss[phase] = Math.max(phaseRss[phase], rss);
  };
  const enter = (p: keyof PhaseRss): void => {
    sample();
    phase = p;
  };
  const sampler = setInterval(sample, 20);
  const phasePeaks = (): LiveClusterResult['full']['phasePeakRssMiB'] => ({
    list: Math.round(phaseRss.list / MiB),
    analyze: Math.round(phaseRss.analyze / MiB),
    assessBuild: Math.round(phaseRss.assessBuild / MiB),
    render: Math.round(phaseRss.render / MiB),
    write: Math.round(phaseRss.write / MiB),
  });
  try {
    const bare = async (): Promise<number> => {
      enter('bare');
      const client = createKubeClient(loadKubeConfig({ kubeconfig, env: {} }), {
        userAgent: `kubeproof/${TOOL_VERSION}`,
      });
      let n = 0;
      for (const d of lists) for await (const item of client.listAll(d, { pageSize })) if (item.metadata) n++;
      client.close();
      return n;
    };
    const full = async () => {
      const cfg = await loadConfig({
        flags: {
          'cluster.kubeconfig': kubeconfig,
          'cluster.pageSize': pageSize,
          formats: ['json'],
          out,
          'history.previous': 'none',
        },
        env: {},
      });
      const log = createLogger({ level: 'warn' });
      const now = (): Date => new Date();
      const { sources, clusterHint } = await createSources(cfg, { log, now });
      // Phase clocks: the sources and the render/write steps are wrapped, not changed.
      const phases = { listMs: 0, analyzeMs: 0, assessBuildMs: 0, renderMs: 0, writeMs: 0 };
      const timed = sources.map((s) => ({
        ...s,
        async read(ctx: Parameters<typeof s.read>[0]) {
          enter('list');
          const t = performance.now();
          try {
            return await s.read(ctx);
          } finally {
            phases.listMs += performance.now() - t;
          }
        },
        normalize(raw: unknown, ctx: Parameters<typeof s.normalize>[1]) {
          enter('analyze');
          const t = performance.now();
          try {
            return s.normalize(raw, ctx);
          } finally {
            enter('assessBuild');
            phases.analyzeMs += performance.now() - t;
            tAnalyzed = performance.now();
          }
        },
      }));
      let tAnalyzed = 0;
      const t0 = performance.now();
      const r = await runScan(cfg, {
        now,
        log,
        toolVersion: TOOL_VERSION,
        mappings,
        sources: timed,
        ...(clusterHint ? { clusterHint } : {}),
        async render(model, c) {
          enter('render');
          const t = performance.now();
          phases.assessBuildMs = t - tAnalyzed;
          try {
            return await renderFormats(model, c);
          } finally {
            phases.renderMs = performance.now() - t;
          }
        },
        async writeLocal(dir, artifacts) {
          enter('write');
          const t = performance.now();
          try {
            return await writeLocal(dir, artifacts);
          } finally {
            sample();
            phases.writeMs += performance.now() - t;
          }
        },
      });
      const scanMs = performance.now() - t0;
      const report = r.artifacts.find((a) => a.filename === 'report.json');
      const bySource: Record<string, number> = {};
      for (const run of r.model.runs) bySource[run.source] = run.findingCount;
      const round = (x: number): number => Math.round(x);
      return {
        findings: r.model.findings.length,
        reportBytes: report ? Buffer.byteLength(report.body) : 0,
        exitCode: r.exitCode,
        bySource,
        phases: {
          listMs: round(phases.listMs),
          analyzeMs: round(phases.analyzeMs),
          assessBuildMs: round(phases.assessBuildMs),
          renderMs: round(phases.renderMs),
          writeMs: round(phases.writeMs),
          otherMs: round(
            scanMs -
              phases.listMs -
              phases.analyzeMs -
              phases.assessBuildMs -
              phases.renderMs -
              phases.writeMs,
          ),
        },
      };
    };
    if (fullOnly) {
      // One full path alone in a fresh process: its high-water mark is kubeproof's own, not the bare
      // listing's (which holds whole lists by the client's contract).
      await full();
      sample();
      return {
        bare: { runsMs: [], bestMs: 0, medianMs: 0, sampledPeakRssMiB: 0, items: 0 },
        full: { phasePeakRssMiB: phasePeaks() } as MeasureResult['full'],
        baseRssMiB,
        maxRssMiB: Math.round(ownHighWaterKiB() / 1024),
      };
    }
    await bare();
    const bareMs: number[] = [];
    const fullMs: number[] = [];
    let barePeak = 0;
    let fullPeak = 0;
    let items = 0;
    let last: Awaited<ReturnType<typeof full>> | undefined;
    let bestFull: Awaited<ReturnType<typeof full>> | undefined;
    for (let i = 0; i < repeat; i++) {
      gc?.();
      peak = process.memoryUsage().rss;
      let t0 = performance.now();
      items = await bare();
      bareMs.push(performance.now() - t0);
      barePeak = Math.max(barePeak, peak, process.memoryUsage().rss);
      gc?.();
      peak = process.memoryUsage().rss;
      t0 = performance.now();
      last = await full();
      const ms = performance.now() - t0;
      if (ms < Math.min(Infinity, ...fullMs)) bestFull = last;
      fullMs.push(ms);
      fullPeak = Math.max(fullPeak, peak, process.memoryUsage().rss);
    }
    const fig = (ms: number[], pk: number): PhaseFigures => ({
      runsMs: ms.map((x) => Math.round(x)),
      bestMs: Math.round(Math.min(...ms)),
      medianMs: Math.round(median(ms)),
      sampledPeakRssMiB: Math.round(pk / MiB),
    });
    return {
      bare: { ...fig(bareMs, barePeak), items },
      full: {
        ...fig(fullMs, fullPeak),
        findings: last!.findings,
        reportBytes: last!.reportBytes,
        exitCode: last!.exitCode,
        findingsBySource: last!.bySource,
        phases: bestFull!.phases,
        phasePeakRssMiB: phasePeaks(),
      },
      baseRssMiB,
      maxRssMiB: Math.round(ownHighWaterKiB() / 1024),
    };
  } finally {
    clearInterval(sampler);
    rmSync(out, { recursive: true, force: true });
  }
}

/* ---------------- parent ---------------- */

function vmRssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => resolve(l));
    child.once('exit', (code) =>
      reject(new Error(`${what} exited (${code}) before answering: ${stderr.slice(-2000)}`)),
    );
  });
}

function kubectlRun(
  kubeconfig: string,
  lists: ResourceDescriptor[],
  pageSize: number,
): LiveClusterResult['kubectl'] {
  const which = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (which.error || which.status !== 0) return { skipped: 'kubectl not found' };
  const version =
    (JSON.parse(which.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ??
    '?';
  const names = [...new Set(lists.map((d) => (d.group ? `${d.plural}.${d.group}` : d.plural)))].join(',');
  const t0 = performance.now();
  const res = spawnSync(
    '/usr/bin/time',
    [
      '-v',
      'kubectl',
      '--kubeconfig',
      kubeconfig,
      'get',
      names,
      '-A',
      '-o',
      'json',
      `--chunk-size=${pageSize}`,
    ],
    {
      encoding: 'utf8',
      maxBuffer: 1024 * MiB,
    },
  );
  const ms = performance.now() - t0;
  if (res.status !== 0) return { skipped: `kubectl failed: ${(res.stderr ?? '').slice(-500)}` };
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(res.stderr);
  const items = (JSON.parse(res.stdout) as { items: unknown[] }).items.length;
  return { ms: Math.round(ms), maxRssMiB: rss ? Math.round(Number(rss[1]) / 1024) : NaN, items, version };
}

/** Starts the server child, runs the client child, optionally kubectl; returns the figures. */
export async function benchLiveCluster(opts: LiveClusterOptions = {}): Promise<LiveClusterResult> {
  const shape: ClusterShape = {
    pods: opts.pods ?? 20_000,
    namespaces: opts.namespaces ?? 400,
    rbacObjects: opts.rbacObjects ?? 5_000,
  };
  const repeat = opts.repeat ?? 3;
  const pageSize = opts.pageSize ?? 500;
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeproof-bench-live-'));
  const server = spawn(process.execPath, [SELF, '--serve', JSON.stringify(shape)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    const info = JSON.parse(await firstLine(server, 'API server child')) as {
      url: string;
      caPem: string;
      token: string;
      objects: number;
      wireBytes: number;
    };
    log(
      `server child pid ${server.pid}: ${info.objects} objects (${(info.wireBytes / 1e6).toFixed(1)} MB JSON) at ${info.url}`,
    );
    const kubeconfig = path.join(dir, 'kubeconfig');
    const { stringify } = await import('yaml');
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'bench',
            cluster: {
              server: info.url,
              'certificate-authority-data': Buffer.from(info.caPem).toString('base64'),
            },
          },
        ],
        users: [{ name: 'bench', user: { token: info.token } }],
        contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench' } }],
        'current-context': 'bench',
      }),
    );
    const client = spawn(
      process.execPath,
      [...NODE_FLAGS, '--expose-gc', SELF, '--measure', kubeconfig, String(repeat), String(pageSize)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let sampled = 0;
    const timer = setInterval(() => (sampled = Math.max(sampled, vmRssKiB(client.pid!))), 20);
    let measured: MeasureResult;
    try {
      measured = JSON.parse(await firstLine(client, 'client child')) as MeasureResult;
    } finally {
      clearInterval(timer);
    }
    await new Promise((r) => (client.exitCode !== null ? r(null) : client.once('exit', r)));
    const alone = spawn(
      process.execPath,
      [...NODE_FLAGS, '--expose-gc', SELF, '--measure-full-only', kubeconfig, '1', String(pageSize)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let aloneSampled = 0;
    const aloneTimer = setInterval(() => (aloneSampled = Math.max(aloneSampled, vmRssKiB(alone.pid!))), 20);
    let aloneMeasured: MeasureResult;
    try {
      aloneMeasured = JSON.parse(await firstLine(alone, 'full-path client child')) as MeasureResult;
    } finally {
      clearInterval(aloneTimer);
    }
    await new Promise((r) => (alone.exitCode !== null ? r(null) : alone.once('exit', r)));
    const kubectl =
      opts.kubectl === false ? { skipped: 'disabled' } : kubectlRun(kubeconfig, sourceLists(), pageSize);
    return {
      shape,
      objects: info.objects,
      wireBytes: info.wireBytes,
      bare: measured.bare,
      full: measured.full,
      ...(kubectl ? { kubectl } : {}),
      ratio: Math.round((measured.full.bestMs / measured.bare.bestMs) * 100) / 100,
      baseRssMiB: measured.baseRssMiB,
      clientMaxRssMiB: measured.maxRssMiB,
      clientSampledPeakRssMiB: Math.round(sampled / 1024),
      fullAloneMaxRssMiB: Math.max(aloneMeasured.maxRssMiB, Math.round(aloneSampled / 1024)),
      fullAlonePhasePeakRssMiB: aloneMeasured.full.phasePeakRssMiB,
      fullAloneBaseRssMiB: aloneMeasured.baseRssMiB,
      processes:
        'API server in its own child process; bare listing and full path together in a second child (the measured one)',
    };
  } finally {
    server.stdin.end();
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--serve') return serve(JSON.parse(argv[1]!) as ClusterShape);
  if (argv[0] === '--measure' || argv[0] === '--measure-full-only') {
    const r = await measureLive(
      argv[1]!,
      Number(argv[2] ?? 3),
      Number(argv[3] ?? 500),
      argv[0] === '--measure-full-only',
    );
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const num = (flag: string): number | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  const o: LiveClusterOptions = { log: (l) => console.log(l) };
  const set = <K extends keyof LiveClusterOptions>(k: K, v: LiveClusterOptions[K] | undefined): void => {
    if (v !== undefined) o[k] = v;
  };
  set('pods', num('--pods'));
  set('namespaces', num('--namespaces'));
  set('rbacObjects', num('--rbac'));
  set('repeat', num('--repeat'));
  console.log(JSON.stringify(await benchLiveCluster(o), null, 2));
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
