/**
 * Validated views of pods, pod templates and the namespace-level objects the workloads source reads.
 * Only the fields the checks use are kept; env values are never read (only Secret names and keys).
 */
import {
  arr,
  at,
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
  type Path,
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

function parseProfile(v: unknown, path: Path, key: string): SeccompProfile | undefined {
  const r = optRec(v, path, key);
  if (!r) return undefined;
  const p: SeccompProfile = {};
  const pp = at(path, key);
  const t = optStr(r['type'], pp, '.type');
  if (t !== undefined) p.type = t;
  const l = optStr(r['localhostProfile'], pp, '.localhostProfile');
  if (l !== undefined) p.localhostProfile = l;
  return p;
}

function parseSc(v: unknown, parent: Path, key: string): SecurityContext | undefined {
  const r = optRec(v, parent, key);
  if (!r) return undefined;
  const path = at(parent, key);
  const sc: SecurityContext = {};
  const set = <K extends keyof SecurityContext>(k: K, val: SecurityContext[K] | undefined): void => {
    if (val !== undefined) sc[k] = val;
  };
  set('privileged', optBool(r['privileged'], path, '.privileged'));
  set('allowPrivilegeEscalation', optBool(r['allowPrivilegeEscalation'], path, '.allowPrivilegeEscalation'));
  set('runAsNonRoot', optBool(r['runAsNonRoot'], path, '.runAsNonRoot'));
  set('runAsUser', optNum(r['runAsUser'], path, '.runAsUser'));
  set('readOnlyRootFilesystem', optBool(r['readOnlyRootFilesystem'], path, '.readOnlyRootFilesystem'));
  set('procMount', optStr(r['procMount'], path, '.procMount'));
  const caps = optRec(r['capabilities'], path, '.capabilities');
  if (caps) {
    const cp = at(path, '.capabilities');
    sc.capabilities = {
      add: strArr(caps['add'], cp, '.add'),
      drop: strArr(caps['drop'], cp, '.drop'),
    };
  }
  set('seccompProfile', parseProfile(r['seccompProfile'], path, '.seccompProfile'));
  set('appArmorProfile', parseProfile(r['appArmorProfile'], path, '.appArmorProfile'));
  const se = optRec(r['seLinuxOptions'], path, '.seLinuxOptions');
  if (se) {
    const o: SELinuxOptions = {};
    const sp = at(path, '.seLinuxOptions');
    for (const k of ['user', 'role', 'type', 'level'] as const) {
      const val = optStr(se[k], sp, `.${k}`);
      if (val !== undefined) o[k] = val;
    }
    sc.seLinuxOptions = o;
  }
  const win = optRec(r['windowsOptions'], path, '.windowsOptions');
  if (win)
    set('windowsHostProcess', optBool(win['hostProcess'], at(path, '.windowsOptions'), '.hostProcess'));
  if (r['sysctls'] !== undefined) {
    const sp = at(path, '.sysctls');
    sc.sysctls = arr(r['sysctls'], sp).map((s, i) => ({
      name: str(rec(s, sp, i)['name'], at(sp, i), '.name'),
    }));
  }
  return sc;
}

function parseContainer(group: ContainerGroup, index: number, v: unknown, path: Path): ContainerSpec {
  const r = rec(v, path);
  const c: ContainerSpec = {
    group,
    index,
    name: str(r['name'], path, '.name'),
    limits: {},
    hostPorts: [],
    secretEnv: [],
  };
  const image = optStr(r['image'], path, '.image');
  if (image !== undefined) c.image = image;
  const sc = parseSc(r['securityContext'], path, '.securityContext');
  if (sc) c.sc = sc;
  const res = optRec(r['resources'], path, '.resources');
  if (res) c.limits = strMap(res['limits'], at(path, '.resources'), '.limits');
  const ports = arr(r['ports'], path, '.ports');
  if (ports.length > 0) {
    const pp = at(path, '.ports');
    for (let i = 0; i < ports.length; i++) {
      const pr = rec(ports[i], pp, i);
      const hp = optNum(pr['hostPort'], at(pp, i), '.hostPort');
      if (hp !== undefined && hp !== 0) c.hostPorts.push({ path: `ports[${i}].hostPort`, port: hp });
    }
  }
  const env = arr(r['env'], path, '.env');
  if (env.length > 0) {
    const ep = at(path, '.env');
    for (let i = 0; i < env.length; i++) {
      const er = rec(env[i], ep, i);
      if (er['valueFrom'] === undefined || er['valueFrom'] === null) continue;
      const ip = at(ep, i);
      const vf = rec(er['valueFrom'], ip, '.valueFrom');
      const vp = at(ip, '.valueFrom');
      const skr = optRec(vf['secretKeyRef'], vp, '.secretKeyRef');
      if (skr) {
        const sp = at(vp, '.secretKeyRef');
        const ref: SecretEnvRef = {
          path: `env[${i}].valueFrom.secretKeyRef`,
          secret: optStr(skr['name'], sp, '.name') ?? '',
        };
        const key = optStr(skr['key'], sp, '.key');
        if (key !== undefined) ref.key = key;
        const envName = optStr(er['name'], ip, '.name');
        if (envName !== undefined) ref.envName = envName;
        c.secretEnv.push(ref);
      }
    }
  }
  const envFrom = arr(r['envFrom'], path, '.envFrom');
  if (envFrom.length > 0) {
    const fp = at(path, '.envFrom');
    for (let i = 0; i < envFrom.length; i++) {
      const er = rec(envFrom[i], fp, i);
      const sr = optRec(er['secretRef'], at(fp, i), '.secretRef');
      if (sr) {
        c.secretEnv.push({
          path: `envFrom[${i}].secretRef`,
          secret: optStr(sr['name'], at(at(fp, i), '.secretRef'), '.name') ?? '',
        });
      }
    }
  }
  return c;
}

const VOLUME_META_KEYS = new Set(['name']);
const CONTAINER_GROUPS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

export function parsePodSpec(v: unknown, path: Path, annotations: Record<string, string>): PodSpecView {
  const r = rec(v, path);
  const containers: ContainerSpec[] = [];
  for (const group of CONTAINER_GROUPS) {
    const list = arr(r[group], path, `.${group}`);
    if (list.length === 0) continue;
    const gp = at(path, `.${group}`);
    for (let i = 0; i < list.length; i++) containers.push(parseContainer(group, i, list[i], at(gp, i)));
  }
  const vols = arr(r['volumes'], path, '.volumes');
  const vp = at(path, '.volumes');
  const volumes: VolumeSpec[] = vols.map((x, i) => {
    const vr = rec(x, vp, i);
    const type =
      Object.keys(vr).find((k) => !VOLUME_META_KEYS.has(k) && vr[k] !== null && vr[k] !== undefined) ??
      'unknown';
    const ip = at(vp, i);
    const vol: VolumeSpec = { index: i, name: str(vr['name'], ip, '.name'), type };
    if (type === 'hostPath') {
      const hp = rec(vr['hostPath'], ip, '.hostPath');
      vol.hostPath = optStr(hp['path'], at(ip, '.hostPath'), '.path') ?? '';
    }
    return vol;
  });
  const spec: PodSpecView = {
    hostNetwork: optBool(r['hostNetwork'], path, '.hostNetwork') ?? false,
    hostPID: optBool(r['hostPID'], path, '.hostPID') ?? false,
    hostIPC: optBool(r['hostIPC'], path, '.hostIPC') ?? false,
    containers,
    volumes,
    serviceAccountName:
      optStr(r['serviceAccountName'], path, '.serviceAccountName') ??
      optStr(r['serviceAccount'], path, '.serviceAccount') ??
      'default',
    annotations,
  };
  const sc = parseSc(r['securityContext'], path, '.securityContext');
  if (sc) spec.sc = sc;
  const am = optBool(r['automountServiceAccountToken'], path, '.automountServiceAccountToken');
  if (am !== undefined) spec.automountServiceAccountToken = am;
  return spec;
}

export function parsePod(v: unknown, path: Path): PodObj {
  const r = rec(v, path);
  const meta = parseMeta(r['metadata'], path, '.metadata');
  return { meta, spec: parsePodSpec(r['spec'], at(path, '.spec'), meta.annotations) };
}

function templateAt(
  r: Rec,
  segments: string[],
  path: Path,
): { spec?: PodSpecView; specPath: string; annotationsPath: string } {
  let cur: unknown = r;
  let p: Path = path;
  for (const s of segments) {
    if (!isRec(cur))
      return {
        specPath: `${segments.join('.')}.spec`,
        annotationsPath: `${segments.join('.')}.metadata.annotations`,
      };
    cur = cur[s];
    p = at(p, `.${s}`);
  }
  const rel = segments.join('.');
  const tpl = optRec(cur, p);
  if (!tpl || tpl['spec'] === undefined)
    return { specPath: `${rel}.spec`, annotationsPath: `${rel}.metadata.annotations` };
  const tmeta = optRec(tpl['metadata'], p, '.metadata');
  const ann = tmeta ? strMap(tmeta['annotations'], at(p, '.metadata'), '.annotations') : {};
  return {
    spec: parsePodSpec(tpl['spec'], at(p, '.spec'), ann),
    specPath: `${rel}.spec`,
    annotationsPath: `${rel}.metadata.annotations`,
  };
}

export function parseController(kind: string) {
  const segments = kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : ['spec', 'template'];
  return (v: unknown, path: Path): ControllerObj => {
    const r = rec(v, path);
    const meta = parseMeta(r['metadata'], path, '.metadata');
    const t = templateAt(r, segments, path);
    const c: ControllerObj = { kind, meta, specPath: t.specPath, annotationsPath: t.annotationsPath };
    if (t.spec) c.spec = t.spec;
    return c;
  };
}

export function parseNamespace(v: unknown, path: Path): NamespaceObj {
  return { meta: parseMeta(rec(v, path)['metadata'], path, '.metadata') };
}

export function parseNetworkPolicy(v: unknown, path: Path): NetworkPolicyObj {
  const r = rec(v, path);
  const meta = parseMeta(r['metadata'], path, '.metadata');
  const spec = optRec(r['spec'], path, '.spec') ?? {};
  const sp = at(path, '.spec');
  const sel = optRec(spec['podSelector'], sp, '.podSelector');
  const selp = at(sp, '.podSelector');
  const selectsAll =
    !sel ||
    (Object.keys(strMap(sel['matchLabels'], selp, '.matchLabels')).length === 0 &&
      arr(sel['matchExpressions'], selp, '.matchExpressions').length === 0);
  const ingress = arr(spec['ingress'], sp, '.ingress');
  const egress = arr(spec['egress'], sp, '.egress');
  let policyTypes = strArr(spec['policyTypes'], sp, '.policyTypes');
  // Kubernetes defaults policyTypes to Ingress, plus Egress when egress rules are present.
  if (policyTypes.length === 0) policyTypes = egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  return { meta, selectsAll, policyTypes, ingressRules: ingress.length, egressRules: egress.length };
}

export function parseMetaOnly(v: unknown, path: Path): { meta: ObjectMeta } {
  return { meta: parseMeta(rec(v, path)['metadata'], path, '.metadata') };
}

export function parseServiceAccount(v: unknown, path: Path): ServiceAccountView {
  const r = rec(v, path);
  const sa: ServiceAccountView = { meta: parseMeta(r['metadata'], path, '.metadata') };
  const am = optBool(r['automountServiceAccountToken'], path, '.automountServiceAccountToken');
  if (am !== undefined) sa.automountServiceAccountToken = am;
  return sa;
}
