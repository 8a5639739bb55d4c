/** The Kubernetes access layer: cluster configuration, the read-only live client and the snapshot reader. */
export type {
  ClusterIdentity,
  ClusterReader,
  ClusterSourceKind,
  KubeObject,
  KubeObjectMeta,
  ListOptions,
  ResourceRef,
  ServerVersion,
} from './types.ts';
export { displayServer, isDefaultFallback, loadKubeConfig, SERVICE_ACCOUNT_DIR } from './config.ts';
export type { KubeConfigOptions, LoadedKubeConfig } from './config.ts';
export { createKubeClient, intentFromPath, KubeClient, listMany } from './client.ts';
export type { KubeClientOptions, ListResult } from './client.ts';
export { loadSnapshot, resourceRefFor, SnapshotReader } from './snapshot.ts';
export type { SnapshotCount } from './snapshot.ts';
export { openCluster } from './open.ts';
export type { ClusterAccessOptions } from './open.ts';
export { CLUSTERROLE_MANIFEST, KubeAccessError, KubeApiError } from './errors.ts';
export type { RequestIntent } from './errors.ts';
export {
  apiPath,
  groupVersion,
  KNOWN_RESOURCES,
  knownResource,
  qualifiedName,
  resourceForObject,
  splitApiVersion,
} from './resources.ts';
export type { ResourceInfo } from './resources.ts';
export { backoffDelay, DEFAULT_RETRY, mapLimit } from './retry.ts';
export type { RetryPolicy } from './retry.ts';
export { REDACTED, scrubSecret } from './secrets.ts';
export { matchesFields, matchesLabels } from './selector.ts';
