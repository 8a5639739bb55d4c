/**
 * The Kubernetes calls the Job orchestration makes, behind an interface (tests drive the real client
 * against the test API server). Writes are limited to creating and deleting Jobs in kubeproof's own
 * namespace (deploy/base/role.yaml); everything else is a read. Error messages are built from what was
 * asked (verb, resource, namespace), never from response bodies or headers.
 */
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Job, V1Node, V1Pod } from '@kubernetes/client-node';
import { SourceError } from '../errors.ts';

export const ROLE_MANIFEST = 'deploy/base/role.yaml';
export const CLUSTERROLE_MANIFEST = 'deploy/base/clusterrole.yaml';

/** What kubeproof needs to know about a node to pick and pin kube-bench Jobs. */
export interface NodeInfo {
  name: string;
  controlPlane: boolean;
  ready: boolean;
  unschedulable: boolean;
}

export interface JobState {
  name: string;
  namespace: string;
  uid?: string;
  labels: Record<string, string>;
  active: number;
  succeeded: number;
  failed: number;
  /** `Complete`, `Failed` (with its reason) or undefined while running. */
  finished?: { type: 'Complete' | 'Failed'; reason?: string; message?: string };
}

export interface PodState {
  name: string;
  namespace: string;
  nodeName?: string;
  phase: string;
  /** Why a container is waiting (ImagePullBackOff, ErrImagePull...), when it is. */
  waitingReason?: string;
  containers: string[];
}

export interface JobApi {
  listNodes(signal?: AbortSignal): Promise<NodeInfo[]>;
  createJob(namespace: string, job: Record<string, unknown>): Promise<JobState>;
  readJob(namespace: string, name: string): Promise<JobState | undefined>;
  listJobs(namespace: string, labelSelector: string): Promise<JobState[]>;
  listPods(namespace: string, labelSelector: string): Promise<PodState[]>;
  readPodLog(namespace: string, pod: string, container?: string): Promise<string>;
  /** Deletes the Job and (Background propagation) its pods; a Job already gone is not an error. */
  deleteJob(namespace: string, name: string): Promise<void>;
}

const CONTROL_PLANE_LABELS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];

export function nodeInfo(n: V1Node): NodeInfo {
  const labels = n.metadata?.labels ?? {};
  const ready = (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return {
    name: n.metadata?.name ?? '',
    controlPlane: CONTROL_PLANE_LABELS.some((l) => l in labels),
    ready,
    unschedulable: n.spec?.unschedulable === true,
  };
}

export function jobState(j: V1Job): JobState {
  const cond = (j.status?.conditions ?? []).find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  return {
    name: j.metadata?.name ?? '',
    namespace: j.metadata?.namespace ?? '',
    ...(j.metadata?.uid ? { uid: j.metadata.uid } : {}),
    labels: j.metadata?.labels ?? {},
    active: j.status?.active ?? 0,
    succeeded: j.status?.succeeded ?? 0,
    failed: j.status?.failed ?? 0,
    ...(cond
      ? {
          finished: {
            type: cond.type as 'Complete' | 'Failed',
            ...(cond.reason ? { reason: cond.reason } : {}),
            ...(cond.message ? { message: cond.message } : {}),
          },
        }
      : {}),
  };
}

export function podState(p: V1Pod): PodState {
  const waiting = (p.status?.containerStatuses ?? []).map((c) => c.state?.waiting?.reason).find((r) => r);
  return {
    name: p.metadata?.name ?? '',
    namespace: p.metadata?.namespace ?? '',
    ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
    phase: p.status?.phase ?? 'Unknown',
    ...(waiting ? { waitingReason: waiting } : {}),
    containers: (p.spec?.containers ?? []).map((c) => c.name),
  };
}

interface Intent {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

/** Maps a client-node failure to a SourceError that names the permission and the manifest granting it. */
export function apiError(err: unknown, intent: Intent): SourceError {
  const code = (err as { code?: unknown })?.code;
  const where = intent.namespace ? ` in namespace "${intent.namespace}"` : '';
  const what = `${intent.verb} ${intent.resource}${intent.name ? ` "${intent.name}"` : ''}${where}`;
  const manifest = intent.resource === 'nodes' ? CLUSTERROLE_MANIFEST : ROLE_MANIFEST;
  if (code === 403) {
    return new SourceError(
      'forbidden',
      `403 Forbidden: cannot ${what}: missing permission "${intent.verb}" on "${intent.resource}"${where} (granted by ${manifest})`,
      `apply ${manifest} in kubeproof's namespace, or run the Jobs in the namespace it grants (--job-namespace)`,
    );
  }
  if (code === 401) {
    return new SourceError(
      'unauthorized',
      `401 Unauthorized: the API server refused kubeproof's credentials (${what})`,
      'check the service account token',
    );
  }
  if (typeof code === 'number') return new SourceError('kube-api', `cannot ${what}: HTTP ${code}`);
  const cause = (err as { cause?: { code?: unknown } })?.cause?.code;
  return new SourceError(
    'kube-unreachable',
    `cannot ${what}: ${typeof cause === 'string' ? cause : 'the API server is unreachable'}`,
  );
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown })?.code === 404;
}

/** The JobApi over @kubernetes/client-node. */
export function clientNodeJobApi(kc: KubeConfig): JobApi {
  const batch = kc.makeApiClient(BatchV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const call = async <T>(intent: Intent, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw apiError(err, intent);
    }
  };
  return {
    async listNodes() {
      const out: NodeInfo[] = [];
      let token: string | undefined;
      do {
        const page = await call({ verb: 'list', resource: 'nodes' }, () =>
          core.listNode({ limit: 500, ...(token ? { _continue: token } : {}) }),
        );
        out.push(...page.items.map(nodeInfo));
        token = page.metadata?._continue || undefined;
      } while (token);
      return out;
    },
    async createJob(namespace, job) {
      return jobState(
        await call({ verb: 'create', resource: 'jobs', namespace }, () =>
          batch.createNamespacedJob({ namespace, body: job }),
        ),
      );
    },
    async readJob(namespace, name) {
      try {
        return jobState(await batch.readNamespacedJob({ namespace, name }));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw apiError(err, { verb: 'get', resource: 'jobs', namespace, name });
      }
    },
    async listJobs(namespace, labelSelector) {
      const list = await call({ verb: 'list', resource: 'jobs', namespace }, () =>
        batch.listNamespacedJob({ namespace, labelSelector }),
      );
      return list.items.map(jobState);
    },
    async listPods(namespace, labelSelector) {
      const list = await call({ verb: 'list', resource: 'pods', namespace }, () =>
        core.listNamespacedPod({ namespace, labelSelector }),
      );
      return list.items.map(podState);
    },
    async readPodLog(namespace, pod, container) {
      return call({ verb: 'get', resource: 'pods/log', namespace, name: pod }, () =>
        core.readNamespacedPodLog({ namespace, name: pod, ...(container ? { container } : {}) }),
      );
    },
    async deleteJob(namespace, name) {
      try {
        await batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' });
      } catch (err) {
        if (isNotFound(err)) return;
        throw apiError(err, { verb: 'delete', resource: 'jobs', namespace, name });
      }
    },
  };
}
