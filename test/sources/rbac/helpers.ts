import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** ../shared (or $KUBEPROOF_SHARED)/fixtures, or undefined when absent. */
export function sharedFixtures(): string | undefined {
  const base = process.env['KUBEPROOF_SHARED'] ?? path.resolve(projectRoot, '../shared');
  const dir = path.join(base, 'fixtures');
  return existsSync(dir) ? dir : undefined;
}

export function sharedFrameworks(): string | undefined {
  const base = process.env['KUBEPROOF_SHARED'] ?? path.resolve(projectRoot, '../shared');
  const dir = path.join(base, 'frameworks');
  return existsSync(dir) ? dir : undefined;
}

/** Every Kubernetes object in a YAML or JSON file: multi-document YAML, `List` objects and JSON arrays of lists. */
export function loadObjects(file: string): Record<string, unknown>[] {
  const text = readFileSync(file, 'utf8');
  const docs: unknown[] = file.endsWith('.json')
    ? [JSON.parse(text) as unknown]
    : parseAllDocuments(text).map((d) => d.toJS() as unknown);
  const out: Record<string, unknown>[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (
        Array.isArray(o['items']) &&
        (o['kind'] === undefined || (typeof o['kind'] === 'string' && o['kind'].endsWith('List')))
      ) {
        (o['items'] as unknown[]).forEach(visit);
      } else if (typeof o['kind'] === 'string') out.push(o);
    }
  };
  docs.forEach(visit);
  return out;
}

export function fixture(area: string, name: string): string {
  return path.join(projectRoot, 'test/fixtures', area, name);
}

export function ofKind(objs: Record<string, unknown>[], kind: string): Record<string, unknown>[] {
  return objs.filter((o) => o['kind'] === kind);
}

export function rbacObjects(objs: Record<string, unknown>[], withServiceAccounts = false) {
  const out: {
    roles: unknown[];
    clusterRoles: unknown[];
    roleBindings: unknown[];
    clusterRoleBindings: unknown[];
    serviceAccounts?: unknown[];
  } = {
    roles: ofKind(objs, 'Role'),
    clusterRoles: ofKind(objs, 'ClusterRole'),
    roleBindings: ofKind(objs, 'RoleBinding'),
    clusterRoleBindings: ofKind(objs, 'ClusterRoleBinding'),
  };
  if (withServiceAccounts) out.serviceAccounts = ofKind(objs, 'ServiceAccount');
  return out;
}

export function workloadObjects(objs: Record<string, unknown>[]) {
  return {
    pods: ofKind(objs, 'Pod'),
    replicaSets: ofKind(objs, 'ReplicaSet'),
    deployments: ofKind(objs, 'Deployment'),
    statefulSets: ofKind(objs, 'StatefulSet'),
    daemonSets: ofKind(objs, 'DaemonSet'),
    jobs: ofKind(objs, 'Job'),
    cronJobs: ofKind(objs, 'CronJob'),
    replicationControllers: ofKind(objs, 'ReplicationController'),
  };
}

export const fixedNow = { now: () => new Date('2026-11-23T12:00:00Z') };

export function loadYaml(file: string): unknown {
  return parse(readFileSync(file, 'utf8')) as unknown;
}
