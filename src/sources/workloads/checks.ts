/**
 * Pod-spec checks: Pod Security Standards (baseline and restricted, v1.30+ definitions) plus hardening
 * checks beyond the PSS. Each check returns the offending fields as paths relative to the pod spec
 * (`containers[0].securityContext.privileged`), or as annotation paths (`metadata.annotations[...]`).
 * Values reported are settings only: never an env value or a Secret's content.
 */
import type { Scalar, Severity } from '../../model/types.ts';
import type { ContainerSpec, PodSpecView, SecurityContext } from './model.ts';

export interface Violation {
  /** Relative to the pod spec, or `metadata.annotations[<key>]` for annotation-based settings. */
  path: string;
  value: Scalar;
  container?: string;
}

export interface PodCheck {
  id: string;
  title: string;
  severity: Severity;
  /** `baseline` / `restricted` for Pod Security Standards controls, `hardening` for the others. */
  level: 'baseline' | 'restricted' | 'hardening';
  remediation: string;
  check: (s: PodSpecView, ctx: CheckContext) => Violation[];
}

export interface CheckContext {
  /** automountServiceAccountToken of the pod's ServiceAccount, when the ServiceAccount is known. */
  serviceAccountAutomount: (namespace: string | undefined, name: string) => boolean | undefined | 'unknown';
  namespace: string | undefined;
}

/** PSS baseline: capabilities that may be added. */
export const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

/** PSS baseline: the safe sysctl set. */
export const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

/** PSS restricted: allowed volume types. */
export const RESTRICTED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

const SELINUX_TYPES = new Set([
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
]);

const cpath = (c: ContainerSpec, rest: string): string => `${c.group}[${c.index}].${rest}`;

function capName(c: string): string {
  const u = c.toUpperCase();
  return u.startsWith('CAP_') ? u.slice(4) : u;
}

function eachContainer(
  s: PodSpecView,
  f: (c: ContainerSpec, sc: SecurityContext) => Violation | Violation[] | undefined,
): Violation[] {
  const out: Violation[] = [];
  for (const c of s.containers) {
    const v = f(c, c.sc ?? {});
    if (Array.isArray(v)) out.push(...v);
    else if (v) out.push(v);
  }
  return out;
}

function seccompOk(type: string | undefined): boolean {
  return type === 'RuntimeDefault' || type === 'Localhost';
}

function legacySeccompOk(v: string): boolean {
  return v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
}

/** Splits an image reference: registry/repo[:tag][@digest]. */
export function parseImage(image: string): { tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const ref = at >= 0 ? image.slice(0, at) : image;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const tag = colon > slash ? ref.slice(colon + 1) : undefined;
  const out: { tag?: string; digest?: string } = {};
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

export const POD_CHECKS: readonly PodCheck[] = [
  {
    id: 'workloads.privileged',
    title: 'Privileged container',
    severity: 'critical',
    level: 'baseline',
    remediation: 'Remove securityContext.privileged (or set it to false).',
    check: (s) =>
      eachContainer(s, (c, sc) =>
        sc.privileged === true
          ? { path: cpath(c, 'securityContext.privileged'), value: true, container: c.name }
          : undefined,
      ),
  },
  {
    id: 'workloads.host-network',
    title: 'Host network namespace shared',
    severity: 'high',
    level: 'baseline',
    remediation: 'Remove spec.hostNetwork.',
    check: (s) => (s.hostNetwork ? [{ path: 'hostNetwork', value: true }] : []),
  },
  {
    id: 'workloads.host-pid',
    title: 'Host PID namespace shared',
    severity: 'high',
    level: 'baseline',
    remediation: 'Remove spec.hostPID.',
    check: (s) => (s.hostPID ? [{ path: 'hostPID', value: true }] : []),
  },
  {
    id: 'workloads.host-ipc',
    title: 'Host IPC namespace shared',
    severity: 'high',
    level: 'baseline',
    remediation: 'Remove spec.hostIPC.',
    check: (s) => (s.hostIPC ? [{ path: 'hostIPC', value: true }] : []),
  },
  {
    id: 'workloads.hostpath',
    title: 'hostPath volume mounted',
    severity: 'high',
    level: 'baseline',
    remediation: 'Replace hostPath volumes with persistent volumes, emptyDir or projected volumes.',
    check: (s) =>
      s.volumes
        .filter((v) => v.type === 'hostPath')
        .map((v) => ({ path: `volumes[${v.index}].hostPath.path`, value: v.hostPath ?? '' })),
  },
  {
    id: 'workloads.hostport',
    title: 'hostPort used',
    severity: 'medium',
    level: 'baseline',
    remediation: 'Remove hostPort; expose the container through a Service.',
    check: (s) =>
      eachContainer(s, (c) =>
        c.hostPorts.map((p) => ({ path: cpath(c, p.path), value: p.port, container: c.name })),
      ),
  },
  {
    id: 'workloads.capabilities-baseline',
    title: 'Capabilities added beyond the baseline set',
    severity: 'high',
    level: 'baseline',
    remediation:
      'Remove added capabilities outside the Pod Security Standards baseline list (e.g. SYS_ADMIN, NET_RAW).',
    check: (s) =>
      eachContainer(s, (c, sc) =>
        (sc.capabilities?.add ?? []).flatMap((cap, i) =>
          BASELINE_CAPABILITIES.has(capName(cap))
            ? []
            : [{ path: cpath(c, `securityContext.capabilities.add[${i}]`), value: cap, container: c.name }],
        ),
      ),
  },
  {
    id: 'workloads.capabilities-restricted',
    title: 'Capabilities not dropped to the restricted set',
    severity: 'medium',
    level: 'restricted',
    remediation: 'Set securityContext.capabilities.drop: [ALL] and add at most NET_BIND_SERVICE.',
    check: (s) =>
      eachContainer(s, (c, sc) => {
        const out: Violation[] = [];
        const drop = sc.capabilities?.drop ?? [];
        if (!drop.some((x) => capName(x) === 'ALL')) {
          out.push({
            path: cpath(c, 'securityContext.capabilities.drop'),
            value: drop.length ? drop.join(',') : null,
            container: c.name,
          });
        }
        (sc.capabilities?.add ?? []).forEach((cap, i) => {
          if (capName(cap) !== 'NET_BIND_SERVICE') {
            out.push({
              path: cpath(c, `securityContext.capabilities.add[${i}]`),
              value: cap,
              container: c.name,
            });
          }
        });
        return out;
      }),
  },
  {
    id: 'workloads.net-raw',
    title: 'NET_RAW capability not dropped',
    severity: 'medium',
    level: 'hardening',
    remediation: 'Drop NET_RAW (or ALL) in securityContext.capabilities.drop.',
    check: (s) =>
      eachContainer(s, (c, sc) => {
        const drop = (sc.capabilities?.drop ?? []).map(capName);
        const added = (sc.capabilities?.add ?? []).map(capName);
        if (added.includes('NET_RAW') || added.includes('ALL')) {
          return {
            path: cpath(c, 'securityContext.capabilities.add'),
            value: (sc.capabilities?.add ?? []).join(','),
            container: c.name,
          };
        }
        if (drop.includes('ALL') || drop.includes('NET_RAW')) return undefined;
        return {
          path: cpath(c, 'securityContext.capabilities.drop'),
          value: drop.length ? drop.join(',') : null,
          container: c.name,
        };
      }),
  },
  {
    id: 'workloads.privilege-escalation',
    title: 'Privilege escalation allowed',
    severity: 'medium',
    level: 'restricted',
    remediation: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
    check: (s) =>
      eachContainer(s, (c, sc) =>
        sc.allowPrivilegeEscalation === false
          ? undefined
          : {
              path: cpath(c, 'securityContext.allowPrivilegeEscalation'),
              value: sc.allowPrivilegeEscalation ?? null,
              container: c.name,
            },
      ),
  },
  {
    id: 'workloads.run-as-non-root',
    title: 'Container may run as root',
    severity: 'medium',
    level: 'restricted',
    remediation: 'Set runAsNonRoot: true (pod or container securityContext) and never runAsUser: 0.',
    check: (s) => {
      const out: Violation[] = [];
      if (s.sc?.runAsUser === 0) out.push({ path: 'securityContext.runAsUser', value: 0 });
      for (const c of s.containers) {
        const sc = c.sc ?? {};
        if (sc.runAsUser === 0)
          out.push({ path: cpath(c, 'securityContext.runAsUser'), value: 0, container: c.name });
        const nonRoot = sc.runAsNonRoot ?? s.sc?.runAsNonRoot;
        if (nonRoot !== true) {
          // Point at the field that decided: the container's, else the pod's, else the (absent) container field.
          const path =
            sc.runAsNonRoot === undefined && s.sc?.runAsNonRoot !== undefined
              ? 'securityContext.runAsNonRoot'
              : cpath(c, 'securityContext.runAsNonRoot');
          out.push({ path, value: nonRoot ?? null, container: c.name });
        }
      }
      return out;
    },
  },
  {
    id: 'workloads.seccomp',
    title: 'No seccomp profile (RuntimeDefault or Localhost)',
    severity: 'medium',
    level: 'restricted',
    remediation: 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod.',
    check: (s) => {
      const podAnn = s.annotations['seccomp.security.alpha.kubernetes.io/pod'];
      const podType = s.sc?.seccompProfile?.type;
      const out: Violation[] = [];
      if (podType === 'Unconfined') out.push({ path: 'securityContext.seccompProfile.type', value: podType });
      if (podAnn !== undefined && !legacySeccompOk(podAnn)) {
        out.push({ path: 'metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]', value: podAnn });
      }
      const podOk =
        seccompOk(podType) || (podType === undefined && podAnn !== undefined && legacySeccompOk(podAnn));
      for (const c of s.containers) {
        const t = c.sc?.seccompProfile?.type;
        const annKey = `container.seccomp.security.alpha.kubernetes.io/${c.name}`;
        const ann = s.annotations[annKey];
        if (t !== undefined) {
          if (!seccompOk(t))
            out.push({ path: cpath(c, 'securityContext.seccompProfile.type'), value: t, container: c.name });
        } else if (ann !== undefined) {
          if (!legacySeccompOk(ann))
            out.push({ path: `metadata.annotations[${annKey}]`, value: ann, container: c.name });
        } else if (!podOk && podType !== 'Unconfined') {
          out.push({ path: cpath(c, 'securityContext.seccompProfile.type'), value: null, container: c.name });
        }
      }
      return out;
    },
  },
  {
    id: 'workloads.apparmor',
    title: 'AppArmor profile set to unconfined',
    severity: 'medium',
    level: 'baseline',
    remediation: 'Remove the unconfined AppArmor profile (use RuntimeDefault or a Localhost profile).',
    check: (s) => {
      const out: Violation[] = [];
      if (s.sc?.appArmorProfile?.type === 'Unconfined')
        out.push({ path: 'securityContext.appArmorProfile.type', value: 'Unconfined' });
      for (const c of s.containers) {
        if (c.sc?.appArmorProfile?.type === 'Unconfined') {
          out.push({
            path: cpath(c, 'securityContext.appArmorProfile.type'),
            value: 'Unconfined',
            container: c.name,
          });
        }
      }
      for (const [k, v] of Object.entries(s.annotations)) {
        if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v === 'unconfined') {
          out.push({ path: `metadata.annotations[${k}]`, value: v, container: k.slice(k.indexOf('/') + 1) });
        }
      }
      return out;
    },
  },
  {
    id: 'workloads.proc-mount',
    title: 'Non-default /proc mount',
    severity: 'high',
    level: 'baseline',
    remediation: 'Remove securityContext.procMount (or set it to Default).',
    check: (s) =>
      eachContainer(s, (c, sc) =>
        sc.procMount !== undefined && sc.procMount !== 'Default'
          ? { path: cpath(c, 'securityContext.procMount'), value: sc.procMount, container: c.name }
          : undefined,
      ),
  },
  {
    id: 'workloads.sysctls',
    title: 'Unsafe sysctls set',
    severity: 'medium',
    level: 'baseline',
    remediation: 'Remove sysctls outside the Kubernetes safe set.',
    check: (s) =>
      (s.sc?.sysctls ?? []).flatMap((x, i) =>
        SAFE_SYSCTLS.has(x.name) ? [] : [{ path: `securityContext.sysctls[${i}].name`, value: x.name }],
      ),
  },
  {
    id: 'workloads.selinux',
    title: 'Custom SELinux user, role or type',
    severity: 'medium',
    level: 'baseline',
    remediation: 'Remove seLinuxOptions.user and .role; use one of the container_* types.',
    check: (s) => {
      const out: Violation[] = [];
      const one = (o: SecurityContext['seLinuxOptions'], base: string, container?: string): void => {
        if (!o) return;
        const add = (path: string, value: string): void => {
          const v: Violation = { path, value };
          if (container !== undefined) v.container = container;
          out.push(v);
        };
        if (o.type !== undefined && !SELINUX_TYPES.has(o.type)) add(`${base}.seLinuxOptions.type`, o.type);
        if (o.user !== undefined && o.user !== '') add(`${base}.seLinuxOptions.user`, o.user);
        if (o.role !== undefined && o.role !== '') add(`${base}.seLinuxOptions.role`, o.role);
      };
      one(s.sc?.seLinuxOptions, 'securityContext');
      for (const c of s.containers) one(c.sc?.seLinuxOptions, cpath(c, 'securityContext'), c.name);
      return out;
    },
  },
  {
    id: 'workloads.volume-types',
    title: 'Volume type outside the restricted set',
    severity: 'low',
    level: 'restricted',
    remediation:
      'Use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret volumes.',
    check: (s) =>
      s.volumes
        .filter((v) => !RESTRICTED_VOLUME_TYPES.has(v.type))
        .map((v) => ({ path: `volumes[${v.index}].${v.type}`, value: v.name })),
  },
  {
    id: 'workloads.windows-hostprocess',
    title: 'Windows HostProcess container',
    severity: 'critical',
    level: 'baseline',
    remediation: 'Remove securityContext.windowsOptions.hostProcess.',
    check: (s) => {
      const out: Violation[] = [];
      if (s.sc?.windowsHostProcess === true)
        out.push({ path: 'securityContext.windowsOptions.hostProcess', value: true });
      for (const c of s.containers) {
        if (c.sc?.windowsHostProcess === true) {
          out.push({
            path: cpath(c, 'securityContext.windowsOptions.hostProcess'),
            value: true,
            container: c.name,
          });
        }
      }
      return out;
    },
  },
  {
    id: 'workloads.read-only-root-fs',
    title: 'Root filesystem writable',
    severity: 'low',
    level: 'hardening',
    remediation:
      'Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where writes are needed.',
    check: (s) =>
      eachContainer(s, (c, sc) =>
        sc.readOnlyRootFilesystem === true
          ? undefined
          : {
              path: cpath(c, 'securityContext.readOnlyRootFilesystem'),
              value: sc.readOnlyRootFilesystem ?? null,
              container: c.name,
            },
      ),
  },
  {
    id: 'workloads.resource-limits',
    title: 'CPU or memory limit missing',
    severity: 'low',
    level: 'hardening',
    remediation: 'Set resources.limits.cpu and resources.limits.memory on every container.',
    check: (s) =>
      eachContainer(s, (c) => {
        // Ephemeral containers cannot declare resources.
        if (c.group === 'ephemeralContainers') return undefined;
        const out: Violation[] = [];
        for (const r of ['cpu', 'memory']) {
          if (c.limits[r] === undefined)
            out.push({ path: cpath(c, `resources.limits.${r}`), value: null, container: c.name });
        }
        return out;
      }),
  },
  {
    id: 'workloads.image-tag',
    title: 'Image without a tag or with :latest',
    severity: 'medium',
    level: 'hardening',
    remediation: 'Reference images by an immutable version tag, preferably with a digest.',
    check: (s) =>
      eachContainer(s, (c) => {
        if (c.image === undefined) return undefined;
        const { tag, digest } = parseImage(c.image);
        return digest === undefined && (tag === undefined || tag === 'latest')
          ? { path: cpath(c, 'image'), value: c.image, container: c.name }
          : undefined;
      }),
  },
  {
    id: 'workloads.image-digest',
    title: 'Image not pinned by digest',
    severity: 'low',
    level: 'hardening',
    remediation:
      'Reference images by digest (image@sha256:...) so the running code cannot change under the tag.',
    check: (s) =>
      eachContainer(s, (c) =>
        c.image !== undefined && parseImage(c.image).digest === undefined
          ? { path: cpath(c, 'image'), value: c.image, container: c.name }
          : undefined,
      ),
  },
  {
    id: 'workloads.secret-env',
    title: 'Secret exposed through environment variables',
    severity: 'medium',
    level: 'hardening',
    remediation: 'Mount the Secret as a file (secret volume) instead of env / envFrom.',
    check: (s) =>
      eachContainer(s, (c) =>
        c.secretEnv.map((e) => ({
          path: cpath(c, e.path),
          // The Secret's name and key only, never a value.
          value: e.key !== undefined ? `${e.secret}/${e.key}` : e.secret,
          container: c.name,
        })),
      ),
  },
  {
    id: 'workloads.sa-token-automount',
    title: 'Service account token automounted',
    severity: 'low',
    level: 'hardening',
    remediation:
      'Set automountServiceAccountToken: false on the pod (or its ServiceAccount) unless it calls the API.',
    check: (s, ctx) => {
      if (s.automountServiceAccountToken === false) return [];
      if (s.automountServiceAccountToken === true)
        return [{ path: 'automountServiceAccountToken', value: true }];
      const sa = ctx.serviceAccountAutomount(ctx.namespace, s.serviceAccountName);
      // ServiceAccounts not read: the pod's own unset field decides nothing, so no claim either way
      // (the analyzer withholds this rule's PASS and says why).
      if (sa === false || sa === 'unknown') return [];
      return [{ path: 'automountServiceAccountToken', value: sa ?? null }];
    },
  },
];

export const POD_CHECK_IDS: readonly string[] = POD_CHECKS.map((c) => c.id);
