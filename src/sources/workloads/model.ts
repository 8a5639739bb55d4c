/**
 * Validated views of pods, pod templates and the namespace-level objects the workloads source reads.
 * Only the fields the checks use are kept; env values are never read (only Secret names and keys).
 */
import {
  arr,
  isRec,
  optBool,
  optNum,
  optRec,
  optStr,
  parseMeta,
  rec,
  str,
  strArr,
  strMap,
  type ObjectMeta,
  type Rec,
  type ResourceDescriptor,
} from '../rbac/kube-objects.ts';

export interface SeccompProfile {
  type?: string;
  localhostProfile?: string;
}

export interface SELinuxOptions {
  user?: string;
  role?: string;
  type?: string;
  level?: string;
}

/** The securityContext fields the checks read, at pod or container level. */
export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  procMount?: string;
  capabilities?: { add: string[]; drop: string[] };
  seccompProfile?: SeccompProfile;
  appArmorProfile?: SeccompProfile;
  seLinuxOptions?: SELinuxOptions;
  windowsHostProcess?: boolean;
  sysctls?: { name: string }[];
}

export interface SecretEnvRef {
  /** `env[2].valueFrom.secretKeyRef` or `envFrom[0].secretRef`. */
  path: string;
  secret: string;
  key?: string;
  envName?: string;
}

export type ContainerGroup = 'containers' | 'initContainers' | 'ephemeralContainers';

export interface ContainerSpec {
  group: ContainerGroup;
  index: number;
  name: string;
  image?: string;
  sc?: SecurityContext;
  limits: Record<string, string>;
  hostPorts: { path: string; port: number }[];
  secretEnv: SecretEnvRef[];
}

export interface VolumeSpec {
  index: number;
  name: string;
  /** The volume source key: hostPath, emptyDir, configMap... */
  type: string;
  hostPath?: string;
}

export interface PodSpecView {
  hostNetwork: boolean;
  hostPID: boolean;
  hostIPC: boolean;
  sc?: SecurityContext;
  containers: ContainerSpec[];
  volumes: VolumeSpec[];
  serviceAccountName: string;
  automountServiceAccountToken?: boolean;
  /** Annotations of the pod (or the template's metadata): legacy seccomp and AppArmor settings live there. */
  annotations: Record<string, string>;
}

export interface PodObj {
  meta: ObjectMeta;
  spec: PodSpecView;
}

/** A controller object with its pod template (CronJob: the Job template's pod template). */
export interface ControllerObj {
  kind: string;
  meta: ObjectMeta;
  /** Path of the pod spec inside the object, e.g. `spec.template.spec`. */
  specPath: string;
  /** Path of the template's annotations, e.g. `spec.template.metadata.annotations`. */
  annotationsPath: string;
  spec?: PodSpecView;
}

export interface NamespaceObj {
  meta: ObjectMeta;
}

export interface NetworkPolicyObj {
  meta: ObjectMeta;
  selectsAll: boolean;
  policyTypes: string[];
  ingressRules: number;
  egressRules: number;
}

export interface ServiceAccountView {
  meta: ObjectMeta;
  automountServiceAccountToken?: boolean;
}

const d = (group: string, plural: string, kind: string, namespaced = true): ResourceDescriptor => ({
  group,
  version: 'v1',
  plural,
  kind,
  namespaced,
});

/** The lists the workloads source reads. */
export const WORKLOAD_RESOURCES = {
  pods: d('', 'pods', 'Pod'),
  replicaSets: d('apps', 'replicasets', 'ReplicaSet'),
  deployments: d('apps', 'deployments', 'Deployment'),
  statefulSets: d('apps', 'statefulsets', 'StatefulSet'),
  daemonSets: d('apps', 'daemonsets', 'DaemonSet'),
  jobs: d('batch', 'jobs', 'Job'),
  cronJobs: d('batch', 'cronjobs', 'CronJob'),
  replicationControllers: d('', 'replicationcontrollers', 'ReplicationController'),
  namespaces: d('', 'namespaces', 'Namespace', false),
  networkPolicies: d('networking.k8s.io', 'networkpolicies', 'NetworkPolicy'),
  limitRanges: d('', 'limitranges', 'LimitRange'),
  resourceQuotas: d('', 'resourcequotas', 'ResourceQuota'),
  serviceAccounts: d('', 'serviceaccounts', 'ServiceAccount'),
} as const satisfies Record<string, ResourceDescriptor>;

export const DESCRIPTOR_BY_KIND: ReadonlyMap<string, ResourceDescriptor> = new Map(
  Object.values(WORKLOAD_RESOURCES).map((x) => [x.kind, x]),
);

function parseProfile(v: unknown, path: string): SeccompProfile | undefined {
  const r = optRec(v, path);
  if (!r) return undefined;
  const p: SeccompProfile = {};
  const t = optStr(r['type'], `${path}.type`);
  if (t !== undefined) p.type = t;
  const l = optStr(r['localhostProfile'], `${path}.localhostProfile`);
  if (l !== undefined) p.localhostProfile = l;
  return p;
}

function parseSc(v: unknown, path: string): SecurityContext | undefined {
  const r = optRec(v, path);
  if (!r) return undefined;
  const sc: SecurityContext = {};
  const set = <K extends keyof SecurityContext>(k: K, val: SecurityContext[K] | undefined): void => {
    if (val !== undefined) sc[k] = val;
  };
  set('privileged', optBool(r['privileged'], `${path}.privileged`));
  set('allowPrivilegeEscalation', optBool(r['allowPrivilegeEscalation'], `${path}.allowPrivilegeEscalation`));
  set('runAsNonRoot', optBool(r['runAsNonRoot'], `${path}.runAsNonRoot`));
  set('runAsUser', optNum(r['runAsUser'], `${path}.runAsUser`));
  set('readOnlyRootFilesystem', optBool(r['readOnlyRootFilesystem'], `${path}.readOnlyRootFilesystem`));
  set('procMount', optStr(r['procMount'], `${path}.procMount`));
  const caps = optRec(r['capabilities'], `${path}.capabilities`);
  if (caps) {
    sc.capabilities = {
      add: strArr(caps['add'], `${path}.capabilities.add`),
      drop: strArr(caps['drop'], `${path}.capabilities.drop`),
    };
  }
  set('seccompProfile', parseProfile(r['seccompProfile'], `${path}.seccompProfile`));
  set('appArmorProfile', parseProfile(r['appArmorProfile'], `${path}.appArmorProfile`));
  const se = optRec(r['seLinuxOptions'], `${path}.seLinuxOptions`);
  if (se) {
    const o: SELinuxOptions = {};
    for (const k of ['user', 'role', 'type', 'level'] as const) {
      const val = optStr(se[k], `${path}.seLinuxOptions.${k}`);
      if (val !== undefined) o[k] = val;
    }
    sc.seLinuxOptions = o;
  }
  const win = optRec(r['windowsOptions'], `${path}.windowsOptions`);
  if (win) set('windowsHostProcess', optBool(win['hostProcess'], `${path}.windowsOptions.hostProcess`));
  if (r['sysctls'] !== undefined) {
    sc.sysctls = arr(r['sysctls'], `${path}.sysctls`).map((s, i) => ({
      name: str(rec(s, `${path}.sysctls[${i}]`)['name'], `${path}.sysctls[${i}].name`),
    }));
  }
  return sc;
}

function parseContainer(group: ContainerGroup, index: number, v: unknown, path: string): ContainerSpec {
  const r = rec(v, path);
  const c: ContainerSpec = {
    group,
    index,
    name: str(r['name'], `${path}.name`),
    limits: {},
    hostPorts: [],
    secretEnv: [],
  };
  const image = optStr(r['image'], `${path}.image`);
  if (image !== undefined) c.image = image;
  const sc = parseSc(r['securityContext'], `${path}.securityContext`);
  if (sc) c.sc = sc;
  const res = optRec(r['resources'], `${path}.resources`);
  if (res) c.limits = strMap(res['limits'], `${path}.resources.limits`);
  arr(r['ports'], `${path}.ports`).forEach((p, i) => {
    const pr = rec(p, `${path}.ports[${i}]`);
    const hp = optNum(pr['hostPort'], `${path}.ports[${i}].hostPort`);
    if (hp !== undefined && hp !== 0) c.hostPorts.push({ path: `ports[${i}].hostPort`, port: hp });
  });
  arr(r['env'], `${path}.env`).forEach((e, i) => {
    const er = rec(e, `${path}.env[${i}]`);
    const vf = optRec(er['valueFrom'], `${path}.env[${i}].valueFrom`);
    const skr = vf ? optRec(vf['secretKeyRef'], `${path}.env[${i}].valueFrom.secretKeyRef`) : undefined;
    if (skr) {
      const ref: SecretEnvRef = {
        path: `env[${i}].valueFrom.secretKeyRef`,
        secret: optStr(skr['name'], `${path}.env[${i}].valueFrom.secretKeyRef.name`) ?? '',
      };
      const key = optStr(skr['key'], `${path}.env[${i}].valueFrom.secretKeyRef.key`);
      if (key !== undefined) ref.key = key;
      const envName = optStr(er['name'], `${path}.env[${i}].name`);
      if (envName !== undefined) ref.envName = envName;
      c.secretEnv.push(ref);
    }
  });
  arr(r['envFrom'], `${path}.envFrom`).forEach((e, i) => {
    const er = rec(e, `${path}.envFrom[${i}]`);
    const sr = optRec(er['secretRef'], `${path}.envFrom[${i}].secretRef`);
    if (sr) {
      c.secretEnv.push({
        path: `envFrom[${i}].secretRef`,
        secret: optStr(sr['name'], `${path}.envFrom[${i}].secretRef.name`) ?? '',
      });
    }
  });
  return c;
}

const VOLUME_META_KEYS = new Set(['name']);

export function parsePodSpec(v: unknown, path: string, annotations: Record<string, string>): PodSpecView {
  const r = rec(v, path);
  const containers: ContainerSpec[] = [];
  for (const group of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    arr(r[group], `${path}.${group}`).forEach((c, i) =>
      containers.push(parseContainer(group, i, c, `${path}.${group}[${i}]`)),
    );
  }
  const volumes: VolumeSpec[] = arr(r['volumes'], `${path}.volumes`).map((x, i) => {
    const vr = rec(x, `${path}.volumes[${i}]`);
    const type =
      Object.keys(vr).find((k) => !VOLUME_META_KEYS.has(k) && vr[k] !== null && vr[k] !== undefined) ??
      'unknown';
    const vol: VolumeSpec = { index: i, name: str(vr['name'], `${path}.volumes[${i}].name`), type };
    if (type === 'hostPath') {
      const hp = rec(vr['hostPath'], `${path}.volumes[${i}].hostPath`);
      vol.hostPath = optStr(hp['path'], `${path}.volumes[${i}].hostPath.path`) ?? '';
    }
    return vol;
  });
  const spec: PodSpecView = {
    hostNetwork: optBool(r['hostNetwork'], `${path}.hostNetwork`) ?? false,
    hostPID: optBool(r['hostPID'], `${path}.hostPID`) ?? false,
    hostIPC: optBool(r['hostIPC'], `${path}.hostIPC`) ?? false,
    containers,
    volumes,
    serviceAccountName:
      optStr(r['serviceAccountName'], `${path}.serviceAccountName`) ??
      optStr(r['serviceAccount'], `${path}.serviceAccount`) ??
      'default',
    annotations,
  };
  const sc = parseSc(r['securityContext'], `${path}.securityContext`);
  if (sc) spec.sc = sc;
  const am = optBool(r['automountServiceAccountToken'], `${path}.automountServiceAccountToken`);
  if (am !== undefined) spec.automountServiceAccountToken = am;
  return spec;
}

export function parsePod(v: unknown, path: string): PodObj {
  const r = rec(v, path);
  const meta = parseMeta(r['metadata'], `${path}.metadata`);
  return { meta, spec: parsePodSpec(r['spec'], `${path}.spec`, meta.annotations) };
}

function templateAt(
  r: Rec,
  segments: string[],
  path: string,
): { spec?: PodSpecView; specPath: string; annotationsPath: string } {
  let cur: unknown = r;
  let p = path;
  for (const s of segments) {
    if (!isRec(cur))
      return {
        specPath: `${segments.join('.')}.spec`,
        annotationsPath: `${segments.join('.')}.metadata.annotations`,
      };
    cur = cur[s];
    p = `${p}.${s}`;
  }
  const rel = segments.join('.');
  const tpl = optRec(cur, p);
  if (!tpl || tpl['spec'] === undefined)
    return { specPath: `${rel}.spec`, annotationsPath: `${rel}.metadata.annotations` };
  const tmeta = optRec(tpl['metadata'], `${p}.metadata`);
  const ann = tmeta ? strMap(tmeta['annotations'], `${p}.metadata.annotations`) : {};
  return {
    spec: parsePodSpec(tpl['spec'], `${p}.spec`, ann),
    specPath: `${rel}.spec`,
    annotationsPath: `${rel}.metadata.annotations`,
  };
}

export function parseController(kind: string) {
  const segments = kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : ['spec', 'template'];
  return (v: unknown, path: string): ControllerObj => {
    const r = rec(v, path);
    const meta = parseMeta(r['metadata'], `${path}.metadata`);
    const t = templateAt(r, segments, path);
    const c: ControllerObj = { kind, meta, specPath: t.specPath, annotationsPath: t.annotationsPath };
    if (t.spec) c.spec = t.spec;
    return c;
  };
}

export function parseNamespace(v: unknown, path: string): NamespaceObj {
  return { meta: parseMeta(rec(v, path)['metadata'], `${path}.metadata`) };
}

export function parseNetworkPolicy(v: unknown, path: string): NetworkPolicyObj {
  const r = rec(v, path);
  const meta = parseMeta(r['metadata'], `${path}.metadata`);
  const spec = optRec(r['spec'], `${path}.spec`) ?? {};
  const sel = optRec(spec['podSelector'], `${path}.spec.podSelector`);
  const selectsAll =
    !sel ||
    (Object.keys(strMap(sel['matchLabels'], `${path}.spec.podSelector.matchLabels`)).length === 0 &&
      arr(sel['matchExpressions'], `${path}.spec.podSelector.matchExpressions`).length === 0);
  const ingress = arr(spec['ingress'], `${path}.spec.ingress`);
  const egress = arr(spec['egress'], `${path}.spec.egress`);
  let policyTypes = strArr(spec['policyTypes'], `${path}.spec.policyTypes`);
  // Kubernetes defaults policyTypes to Ingress, plus Egress when egress rules are present.
  if (policyTypes.length === 0) policyTypes = egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  return { meta, selectsAll, policyTypes, ingressRules: ingress.length, egressRules: egress.length };
}

export function parseMetaOnly(v: unknown, path: string): { meta: ObjectMeta } {
  return { meta: parseMeta(rec(v, path)['metadata'], `${path}.metadata`) };
}

export function parseServiceAccount(v: unknown, path: string): ServiceAccountView {
  const r = rec(v, path);
  const sa: ServiceAccountView = { meta: parseMeta(r['metadata'], `${path}.metadata`) };
  const am = optBool(r['automountServiceAccountToken'], `${path}.automountServiceAccountToken`);
  if (am !== undefined) sa.automountServiceAccountToken = am;
  return sa;
}
