import type { Config } from '../config/schema.ts';
import { InputError } from '../errors.ts';
import { clusterJobSetup } from '../jobs/index.ts';
import { openCluster } from '../kube/open.ts';
import { SnapshotReader } from '../kube/snapshot.ts';
import type { ClusterReader } from '../kube/types.ts';
import type { ClusterInfo, Evidence, Finding, SourceId } from '../model/types.ts';
import type { Logger } from '../util/log.ts';
import { TOOL_VERSION } from '../version.ts';
import { kubeBenchSource } from './kube-bench/index.ts';
import { auditLogSource, correlateWithRbacOutput } from './audit-log/index.ts';
import type { AuditLogRaw } from './audit-log/analyze.ts';
import { kubescapeOperatorSource, kubescapeSource } from './kubescape/index.ts';
import { effectiveGrants, rbacSource, type RbacRaw } from './rbac/index.ts';
import type { Source, SourceContext } from './types.ts';
import { workloadsSource } from './workloads/index.ts';

export interface SourceSetup {
  sources: Source<unknown>[];
  clusterHint?: { name?: string; serverVersion?: string; source: ClusterInfo['nameSource'] };
  notes: string[];
  /** The cluster reader (live API or snapshot), when one is in use. */
  reader?: ClusterReader;
}

/** A source with its raw type erased, so sources of different raw shapes share one list. */
function erase<R>(s: Source<R>): Source<unknown> {
  return s;
}

/**
 * Builds the enabled sources from the configuration, in collection order: input files first, then
 * what the cluster (live API, or `--snapshot` files) shows. Opening the cluster never falls back to
 * localhost: without a kubeconfig or in-cluster service account it is a ConfigError saying how to configure.
 */
export async function createSources(
  cfg: Config,
  deps: { log: Logger; now: () => Date },
): Promise<SourceSetup> {
  const sources: Source<unknown>[] = [];
  const notes: string[] = [];
  // In the cluster, kube-bench runs as Jobs (src/jobs/); that source also reads --kube-bench files.
  const jobs = clusterJobSetup(cfg, deps);
  if (jobs) {
    sources.push(...jobs.sources);
    notes.push(...jobs.notes);
  } else if (cfg.inputs.kubeBench.length > 0) sources.push(erase(kubeBenchSource(cfg.inputs.kubeBench)));
  if (cfg.inputs.kubescape.length > 0) sources.push(erase(kubescapeSource(cfg.inputs.kubescape)));
  if (cfg.inputs.auditLog.length > 0) sources.push(erase(auditLogSource(cfg.inputs.auditLog)));

  let reader: ClusterReader | undefined;
  if (cfg.inputs.snapshot.length > 0) {
    try {
      reader = openCluster({ snapshot: cfg.inputs.snapshot });
    } catch (err) {
      // A bad snapshot file loses only what it feeds: the sources that read the cluster are recorded as
      // failed with the file's error (exit 2), and every other input is still reported.
      if (!(err instanceof InputError)) throw err;
      sources.push(
        failedSource('rbac', 'Kubernetes RBAC', err),
        failedSource('workloads', 'Kubernetes workloads', err),
      );
      notes.push(`could not read the snapshot: ${err.message}`);
      return { sources: withUnsupported(cfg, sources), notes };
    }
  } else if (cfg.cluster.enabled) {
    reader = openCluster({
      ...(cfg.cluster.kubeconfig ? { kubeconfig: cfg.cluster.kubeconfig } : {}),
      ...(cfg.cluster.context ? { context: cfg.cluster.context } : {}),
      ...(cfg.cluster.inCluster ? { inCluster: true } : {}),
      timeoutMs: cfg.cluster.requestTimeoutSeconds * 1000,
      log: deps.log,
      userAgent: `kubeproof/${TOOL_VERSION}`,
    });
  }
  let clusterHint: SourceSetup['clusterHint'];
  if (reader) {
    const id = reader.identity();
    const list = (d: {
      group: string;
      version: string;
      plural: string;
      namespaced: boolean;
      kind?: string;
    }) => reader.listAll(d, { pageSize: cfg.cluster.pageSize });
    const cluster = [erase(rbacSource(list)), erase(workloadsSource(list))];
    sources.push(
      ...(reader instanceof SnapshotReader
        ? cluster.map((c) => fromSnapshot(c, reader))
        : cluster.map((c) => withListDigests(c, reader))),
    );
    // The Kubescape operator's latest configuration scans, when installed; result files given with
    // --kubescape (or the Kubescape Job) take precedence: one kubescape source per run.
    if (cfg.inputs.kubescape.length === 0 && !cfg.jobs.kubescape.enabled && id.source !== 'snapshot') {
      sources.push(erase(kubescapeOperatorSource(list, (r) => reader.resourceAvailable(r))));
    }
    let serverVersion: string | undefined;
    try {
      serverVersion = (await reader.serverVersion())?.gitVersion;
    } catch (err) {
      notes.push(`could not read the API server version: ${(err as Error).message}`);
    }
    clusterHint = {
      ...(id.source === 'snapshot' ? {} : { name: id.name }),
      ...(serverVersion ? { serverVersion } : {}),
      source: id.source === 'snapshot' ? 'input' : 'kubeconfig',
    };
    notes.push(
      id.source === 'snapshot'
        ? `reading the cluster from snapshot files: ${(id.files ?? []).join(', ')}`
        : `reading the cluster ${id.name} at ${id.server} (${id.source})`,
    );
  }
  return {
    sources: withUnsupported(cfg, sources),
    notes,
    ...(clusterHint ? { clusterHint } : {}),
    ...(reader ? { reader } : {}),
  };
}

/** A source whose input could not be opened: its run fails with that error, so the report says why. */
function failedSource(id: SourceId, title: string, err: InputError): Source<unknown> {
  return {
    id,
    title,
    read: () => Promise.reject(err),
    normalize: () => ({ findings: [], evidence: [], inputs: [], notes: [] }),
  };
}

/**
 * A cluster source reading the live API: each list it read is recorded with the SHA-256 and size of the
 * page bodies as received (ClusterReader.listDigests), so live inputs carry a hash as files do.
 */
function withListDigests(source: Source<unknown>, reader: ClusterReader): Source<unknown> {
  return {
    ...source,
    normalize(raw, ctx) {
      const out = source.normalize(raw, ctx);
      const digests = reader.listDigests;
      if (!digests || digests.size === 0) return out;
      return {
        ...out,
        inputs: out.inputs.map((i) => {
          const d = i.format === 'kubernetes-list' ? digests.get(i.path) : undefined;
          return d ? { ...i, sha256: d.sha256, bytes: d.bytes } : i;
        }),
      };
    },
  };
}

/**
 * A cluster source reading a snapshot: its run lists the snapshot files with their SHA-256 as inputs and
 * carries the snapshot's notes (skipped documents, duplicates), and each API object's evidence names the
 * file it came from with that file's hash, so every claim traces back to the original bytes.
 */
function fromSnapshot(source: Source<unknown>, reader: SnapshotReader): Source<unknown> {
  return {
    ...source,
    normalize(raw, ctx) {
      const out = source.normalize(raw, ctx);
      const hashes = new Map(reader.fileRecords.map((f) => [f.path, f.sha256]));
      return {
        ...out,
        inputs: [
          ...out.inputs,
          ...reader.fileRecords.map((f) => ({
            path: f.path,
            sha256: f.sha256,
            bytes: f.bytes,
            format: 'kubernetes-snapshot',
          })),
        ],
        notes: [...reader.notes, ...out.notes],
        ...(reader.failed[0] && !out.partialError
          ? {
              partialError: {
                code: 'input',
                message: `${reader.failed.length} snapshot file(s) could not be read and were skipped; first: ${reader.failed[0].message}`,
                ...(reader.failed[0].hint ? { hint: reader.failed[0].hint } : {}),
              },
            }
          : {}),
        evidence: out.evidence.map((e) => {
          const file = e.locator.apiPath && !e.locator.file ? reader.fileFor(e.locator.apiPath) : undefined;
          const sha256 = file ? hashes.get(file) : undefined;
          return file && sha256 ? { ...e, locator: { ...e.locator, file }, sha256 } : e;
        }),
      };
    },
  };
}

/**
 * Inputs given for a source this build does not register are never dropped silently: each such source
 * is added as failed (exit 2), so the report says its files were not read.
 */
function withUnsupported(cfg: Config, sources: Source<unknown>[]): Source<unknown>[] {
  const given: [SourceId, string, string[]][] = [
    ['kubescape', '--kubescape', cfg.inputs.kubescape],
    ['audit-log', '--audit-log', cfg.inputs.auditLog],
  ];
  const out = [...sources];
  for (const [id, flag, inputs] of given) {
    if (inputs.length === 0 || sources.some((s) => s.id === id)) continue;
    const err = new InputError(
      inputs.join(', '),
      `${flag} input was not read: this build of kubeproof has no ${id} source`,
      {
        hint: `remove ${flag} (or the config's inputs), or use a kubeproof release that reads ${id} input`,
      },
    );
    out.push(failedSource(id, id, err));
  }
  return out;
}

/**
 * audit-log × rbac: which granted permissions were used over the log's window, and which risky grants
 * were exercised. Kubernetes default grants (exempt) are left out: they are not the organisation's choices.
 */
export function correlateSources(
  raws: ReadonlyMap<SourceId, unknown>,
  ctx: SourceContext,
): { source: SourceId; from: SourceId[]; findings: Finding[]; evidence: Evidence[] } | undefined {
  const audit = raws.get('audit-log') as AuditLogRaw | undefined;
  const rbac = raws.get('rbac') as RbacRaw | undefined;
  if (!audit || !rbac) return undefined;
  const grants = effectiveGrants(rbac)
    .grants.filter((g) => !g.exempt)
    .map((g) => ({
      subject: {
        kind: g.subject.kind,
        name: g.subject.name,
        ...(g.subject.namespace ? { namespace: g.subject.namespace } : {}),
      },
      verbs: g.rule.verbs,
      resources: g.rule.resources,
      apiGroups: g.rule.apiGroups,
    }));
  return {
    source: 'audit-log',
    from: ['audit-log', 'rbac'],
    ...correlateWithRbacOutput(audit.summary, grants, ctx.now()),
  };
}
