/**
 * The Kubernetes access layer's public types. Sources read the cluster through a ClusterReader, so the
 * live API client and the offline snapshot reader are interchangeable.
 */

/** An API resource as addressed in a URL: `/apis/<group>/<version>/[namespaces/<ns>/]<plural>`. */
export interface ResourceRef {
  /** API group; `''` for the core group. */
  group: string;
  version: string;
  /** Lower-case plural as in the URL (`clusterroles`). */
  plural: string;
  namespaced: boolean;
  /** Object kind (`ClusterRole`); filled in on items of a list, whose items carry no kind on the wire. */
  kind?: string;
  /**
   * Optional projection a live list applies to each item (apiVersion/kind set, secrets scrubbed) as its
   * page arrives, so a large list is held as small views rather than whole objects. Readers may ignore it
   * (snapshots do): a consumer must get the same results from the projected and the whole object.
   */
  project?: (item: KubeObject) => KubeObject;
}

/** A Kubernetes object as read from the API or a snapshot: only the fields every object has are typed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  [field: string]: unknown;
}

export interface KubeObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string | null;
  [field: string]: unknown;
}

export interface ListOptions {
  /** Restrict a namespaced resource to one namespace; all namespaces when absent. */
  namespace?: string;
  /** Items per page (`limit`); default 500. */
  pageSize?: number;
  labelSelector?: string;
  fieldSelector?: string;
  signal?: AbortSignal;
}

/** `/version` of the API server (the fields kubeproof uses). */
export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
  platform?: string;
}

export type ClusterSourceKind = 'kubeconfig' | 'in-cluster' | 'snapshot';

/** Which cluster was read, for the report. `server` never carries credentials or query strings. */
export interface ClusterIdentity {
  /** Context name (kubeconfig), `in-cluster`, or `snapshot`. */
  name: string;
  /** API server URL with user info and query removed; `''` for snapshots. */
  server: string;
  source: ClusterSourceKind;
  /** Snapshot files read (snapshot only). */
  files?: string[];
}

/** Read-only access to a cluster, live or from a snapshot. */
export interface ClusterReader {
  /**
   * Every object of `resource` (in `opts.namespace` or all namespaces), with `apiVersion` and `kind` set.
   * Items are yielded only once the whole list was read consistently.
   */
  listAll(resource: ResourceRef, opts?: ListOptions): AsyncGenerator<KubeObject, void, undefined>;
  /** The API server version; undefined when unknown (snapshots). */
  serverVersion(): Promise<ServerVersion | undefined>;
  /**
   * Whether the server serves `resource` (discovery). For a snapshot: true when it holds objects of
   * that resource, undefined otherwise (absence from a snapshot proves nothing).
   */
  resourceAvailable(resource: ResourceRef): Promise<boolean | undefined>;
  identity(): ClusterIdentity;
  /** Things a report reader should know (list restarted after an expired continue token, skipped documents). */
  readonly notes: readonly string[];
  /**
   * For a live API: each list read, by its API path, with the SHA-256 and size of its page bodies as received
   * (in page order, the last complete read when a list was restarted) and the number of items. Snapshots
   * record their files instead.
   */
  readonly listDigests?: ReadonlyMap<string, ListDigest>;
}

/** What was received for one list: see ClusterReader.listDigests. */
export interface ListDigest {
  sha256: string;
  bytes: number;
  pages: number;
  items: number;
}
