/**
 * Well-known API resources kubeproof reads, and URL helpers. Shared by the live client, the snapshot
 * reader and the test API server so that all three agree on plural names and scopes.
 */
import type { ResourceRef } from './types.ts';

/** A resource with its kind and (for discovery) the verbs the real server advertises. */
export interface ResourceInfo extends ResourceRef {
  kind: string;
  verbs: string[];
  shortNames?: string[];
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const RWC = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function r(
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced: boolean,
  verbs = RW,
): ResourceInfo {
  return { group, version, plural, kind, namespaced, verbs };
}

/** Resources of a stock cluster that kubeproof's sources read, plus a few neighbours. */
export const KNOWN_RESOURCES: readonly ResourceInfo[] = [
  r('', 'v1', 'pods', 'Pod', true),
  r('', 'v1', 'namespaces', 'Namespace', false, RWC),
  r('', 'v1', 'nodes', 'Node', false),
  r('', 'v1', 'serviceaccounts', 'ServiceAccount', true),
  r('', 'v1', 'secrets', 'Secret', true),
  r('', 'v1', 'configmaps', 'ConfigMap', true),
  r('', 'v1', 'services', 'Service', true, RWC),
  r('', 'v1', 'limitranges', 'LimitRange', true),
  r('', 'v1', 'resourcequotas', 'ResourceQuota', true),
  r('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
  r('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true),
  r('', 'v1', 'endpoints', 'Endpoints', true),
  r('', 'v1', 'events', 'Event', true),
  r('', 'v1', 'replicationcontrollers', 'ReplicationController', true),
  r('apps', 'v1', 'deployments', 'Deployment', true),
  r('apps', 'v1', 'replicasets', 'ReplicaSet', true),
  r('apps', 'v1', 'statefulsets', 'StatefulSet', true),
  r('apps', 'v1', 'daemonsets', 'DaemonSet', true),
  r('apps', 'v1', 'controllerrevisions', 'ControllerRevision', true),
  r('batch', 'v1', 'jobs', 'Job', true),
  r('batch', 'v1', 'cronjobs', 'CronJob', true),
  r('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true),
  r('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true),
  r('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true),
  r('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  r('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  r('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  r('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  r(
    'admissionregistration.k8s.io',
    'v1',
    'validatingwebhookconfigurations',
    'ValidatingWebhookConfiguration',
    false,
  ),
  r(
    'admissionregistration.k8s.io',
    'v1',
    'mutatingwebhookconfigurations',
    'MutatingWebhookConfiguration',
    false,
  ),
  r('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies', 'ValidatingAdmissionPolicy', false),
  r(
    'admissionregistration.k8s.io',
    'v1',
    'validatingadmissionpolicybindings',
    'ValidatingAdmissionPolicyBinding',
    false,
  ),
  r('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false),
  r('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false),
];

/** Looks a resource up by group and plural (version ignored: callers name the version they need). */
export function knownResource(group: string, plural: string): ResourceInfo | undefined {
  return KNOWN_RESOURCES.find((x) => x.group === group && x.plural === plural);
}

/** `rbac.authorization.k8s.io/v1` → group `rbac.authorization.k8s.io`, version `v1`; `v1` → core. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function groupVersion(res: { group: string; version: string }): string {
  return res.group === '' ? res.version : `${res.group}/${res.version}`;
}

/** Lower-case English plural as the API server derives it for CRDs without an explicit plural. */
export function pluralize(kind: string): string {
  const k = kind.toLowerCase();
  if (k.endsWith('s') || k.endsWith('x') || k.endsWith('ch') || k.endsWith('sh')) return `${k}es`;
  if (k.endsWith('y') && !/[aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/** The resource an object belongs to, from its apiVersion and kind (well-known table, else pluralized). */
export function resourceForObject(
  apiVersion: string,
  kind: string,
): { group: string; version: string; plural: string } {
  const { group, version } = splitApiVersion(apiVersion);
  const known = KNOWN_RESOURCES.find((x) => x.group === group && x.kind === kind);
  return { group, version, plural: known?.plural ?? pluralize(kind) };
}

/** `clusterroles.rbac.authorization.k8s.io`, or `pods` for the core group (the API server's wording). */
export function qualifiedName(res: { group: string; plural: string }): string {
  return res.group === '' ? res.plural : `${res.plural}.${res.group}`;
}

/** URL path of a collection or object; `namespace` applies to namespaced resources only. */
export function apiPath(res: ResourceRef, namespace?: string, name?: string): string {
  const base = res.group === '' ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
  const ns = res.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${res.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** The kind of a list's items: `PodList` → `Pod`; undefined for a generic `List`. */
export function itemKind(listKind: unknown): string | undefined {
  return typeof listKind === 'string' && listKind.endsWith('List') && listKind !== 'List'
    ? listKind.slice(0, -'List'.length)
    : undefined;
}
