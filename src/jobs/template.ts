/**
 * Job templates (deploy/base/jobs/*.yaml, or the user's copy mounted from the kubeproof-job-templates
 * ConfigMap) and the Jobs built from them. A template is a plain batch/v1 Job manifest; kubeproof sets
 * only the name, namespace, labels, the node pin and the scanner's arguments, and leaves the rest
 * (image, mounts, tolerations, resources) as written.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.ts';

export const DEFAULT_TEMPLATES = {
  kubeBench: fileURLToPath(new URL('../../deploy/base/jobs/kube-bench-job.yaml', import.meta.url)),
  kubescape: fileURLToPath(new URL('../../deploy/base/jobs/kubescape-job.yaml', import.meta.url)),
} as const;

export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  name: 'app.kubernetes.io/name',
  run: 'kubeproof.dev/run',
  role: 'kubeproof.dev/role',
} as const;
export const NODE_ANNOTATION = 'kubeproof.dev/node';

export type TargetRole = 'control-plane' | 'worker' | 'kubescape';

type Obj = Record<string, unknown>;

export interface JobTemplate {
  file: string;
  job: Obj;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a template's text: a batch/v1 Job with at least one container. Errors name the file and field. */
export function parseJobTemplate(file: string, text: string): JobTemplate {
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    throw new ConfigError(`${file}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const job: unknown = doc.toJS();
  const fail = (path: string, msg: string): never => {
    throw new ConfigError(
      `${file}: ${path}: ${msg}`,
      'a Job template is a batch/v1 Job manifest; start from deploy/base/jobs/',
    );
  };
  if (!isObj(job)) return fail('(root)', 'expected a Job manifest');
  if (job['apiVersion'] !== 'batch/v1')
    fail('apiVersion', `expected batch/v1, got ${JSON.stringify(job['apiVersion'])}`);
  if (job['kind'] !== 'Job') fail('kind', `expected Job, got ${JSON.stringify(job['kind'])}`);
  const spec = job['spec'];
  if (!isObj(spec)) return fail('spec', 'expected a mapping');
  const tpl = spec['template'];
  if (!isObj(tpl) || !isObj(tpl['spec'])) return fail('spec.template.spec', 'expected a mapping');
  const containers = tpl['spec']['containers'];
  if (!Array.isArray(containers) || containers.length === 0 || !isObj(containers[0])) {
    return fail('spec.template.spec.containers', 'expected at least one container');
  }
  const c0 = containers[0];
  if (typeof c0['image'] !== 'string' || c0['image'] === '')
    fail('spec.template.spec.containers[0].image', 'required');
  if (
    c0['args'] !== undefined &&
    !(Array.isArray(c0['args']) && c0['args'].every((a) => typeof a === 'string'))
  ) {
    fail('spec.template.spec.containers[0].args', 'expected a list of strings');
  }
  return { file, job };
}

export async function loadJobTemplate(file: string): Promise<JobTemplate> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${file}: cannot read the Job template (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      'check jobs.kubeBench.template / jobs.kubescape.template',
    );
  }
  return parseJobTemplate(file, text);
}

interface Common {
  name: string;
  namespace: string;
  runId: string;
  image?: string | undefined;
}

/** Copies the template and stamps name, namespace and labels on the Job and its pod template. */
function stamp(
  t: JobTemplate,
  p: Common,
  role: TargetRole,
  app: string,
): { job: Obj; pod: Obj; container: Obj } {
  const job = structuredClone(t.job);
  const labels = {
    [LABELS.managedBy]: 'kubeproof',
    [LABELS.name]: app,
    [LABELS.run]: p.runId,
    [LABELS.role]: role,
  };
  const meta = isObj(job['metadata']) ? job['metadata'] : {};
  delete meta['generateName'];
  job['metadata'] = {
    ...meta,
    name: p.name,
    namespace: p.namespace,
    labels: { ...(isObj(meta['labels']) ? meta['labels'] : {}), ...labels },
  };
  const spec = job['spec'] as Obj;
  const tpl = spec['template'] as Obj;
  const tmeta = isObj(tpl['metadata']) ? tpl['metadata'] : {};
  tpl['metadata'] = { ...tmeta, labels: { ...(isObj(tmeta['labels']) ? tmeta['labels'] : {}), ...labels } };
  const pod = tpl['spec'] as Obj;
  pod['restartPolicy'] = 'Never';
  const container = (pod['containers'] as Obj[])[0]!;
  if (p.image) container['image'] = p.image;
  return { job, pod, container };
}

/** Removes `--flag value` and `--flag=value` from an argument list. */
function dropFlag(args: string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) {
      i++;
      continue;
    }
    if (args[i]!.startsWith(`${flag}=`)) continue;
    out.push(args[i]!);
  }
  return out;
}

export interface KubeBenchJobParams extends Common {
  node: string;
  role: 'control-plane' | 'worker';
  /** kube-bench `--targets`; undefined lets kube-bench detect the components on the node. */
  targets?: string[] | undefined;
  benchmark?: string | undefined;
}

/** The kube-bench Job for one node: pinned to it with a required node affinity on metadata.name. */
export function kubeBenchJob(t: JobTemplate, p: KubeBenchJobParams): Obj {
  const { job, pod, container } = stamp(t, p, p.role, 'kube-bench');
  (job['metadata'] as Obj)['annotations'] = {
    ...((job['metadata'] as Obj)['annotations'] as Obj | undefined),
    [NODE_ANNOTATION]: p.node,
  };
  delete pod['nodeName'];
  delete pod['nodeSelector'];
  pod['affinity'] = {
    ...(isObj(pod['affinity']) ? pod['affinity'] : {}),
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.node] }] }],
      },
    },
  };
  let args = (container['args'] as string[] | undefined) ?? ['run'];
  args = dropFlag(dropFlag(args, '--targets'), '--benchmark');
  if (!args.includes('--json')) args.push('--json');
  if (p.targets && p.targets.length > 0) args.push('--targets', p.targets.join(','));
  if (p.benchmark) args.push('--benchmark', p.benchmark);
  container['args'] = args;
  return job;
}

export interface KubescapeJobParams extends Common {
  serviceAccount?: string | undefined;
}

/** The Kubescape CLI Job (one per run). */
export function kubescapeJob(t: JobTemplate, p: KubescapeJobParams): Obj {
  const { job, pod } = stamp(t, p, 'kubescape', 'kubescape');
  if (p.serviceAccount) pod['serviceAccountName'] = p.serviceAccount;
  return job;
}
