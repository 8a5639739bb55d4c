/**
 * The option table: one row per setting that a flag and an environment variable can set. The CLI
 * registers its flags from it, the loader reads the environment from it, and the README's
 * configuration table is checked against it in the tests, so the three never drift apart.
 */

export type OptionKind = 'string' | 'list' | 'boolean' | 'number' | 'repeatable';

export interface OptionDef {
  /** Commander flag spec, e.g. `--out <dir>`. */
  flag: string;
  /** Environment variable, if any. */
  env?: string;
  /** Dotted path in the config object. */
  path: string;
  kind: OptionKind;
  description: string;
  /** Commands that accept it. */
  commands: ('scan' | 'render' | 'schedule')[];
}

const SR = ['scan', 'render', 'schedule'] as ('scan' | 'render' | 'schedule')[];
const S = ['scan', 'schedule'] as ('scan' | 'render' | 'schedule')[];

export const OPTIONS: OptionDef[] = [
  {
    flag: '--kube-bench <file>',
    path: 'inputs.kubeBench',
    kind: 'repeatable',
    commands: S,
    description:
      'kube-bench output (JSON or text); repeatable, one per node; `-` reads stdin; NODE=FILE names the node',
  },
  {
    flag: '--kubescape <file>',
    path: 'inputs.kubescape',
    kind: 'repeatable',
    commands: S,
    description: 'Kubescape JSON results; repeatable; `-` reads stdin',
  },
  {
    flag: '--audit-log <path>',
    path: 'inputs.auditLog',
    kind: 'repeatable',
    commands: S,
    description: 'Kubernetes audit log file or directory (JSON lines, gzip, rotated); repeatable',
  },
  {
    flag: '--snapshot <path>',
    path: 'inputs.snapshot',
    kind: 'repeatable',
    commands: S,
    description: 'offline cluster snapshot: `kubectl get -o json|yaml` output, file or directory; repeatable',
  },
  {
    flag: '--no-cluster',
    path: 'cluster.enabled',
    kind: 'boolean',
    commands: S,
    description: 'do not read the live cluster; use only input files',
  },
  {
    flag: '--kubeconfig <file>',
    path: 'cluster.kubeconfig',
    kind: 'string',
    commands: S,
    description: 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster service account)',
  },
  {
    flag: '--context <name>',
    env: 'KUBEPROOF_CONTEXT',
    path: 'cluster.context',
    kind: 'string',
    commands: S,
    description: 'kubeconfig context',
  },
  {
    flag: '--cluster-name <name>',
    env: 'KUBEPROOF_CLUSTER_NAME',
    path: 'clusterName',
    kind: 'string',
    commands: SR,
    description: 'cluster name shown in the report (default: kubeconfig context, else what an input says)',
  },
  {
    flag: '--frameworks <ids>',
    env: 'KUBEPROOF_FRAMEWORKS',
    path: 'frameworks',
    kind: 'list',
    commands: SR,
    description: 'comma list of frameworks: pci, soc2, iso27001, nist (or full ids); default all',
  },
  {
    flag: '--format <list>',
    env: 'KUBEPROOF_FORMAT',
    path: 'formats',
    kind: 'list',
    commands: SR,
    description: 'comma list of json, html, pdf, csv, sarif, oscal, hdf (default json,html)',
  },
  {
    flag: '--out <dir>',
    env: 'KUBEPROOF_OUT',
    path: 'out',
    kind: 'string',
    commands: SR,
    description: 'output directory (default ./kubeproof-report)',
  },
  {
    flag: '--paper <size>',
    env: 'KUBEPROOF_PAPER',
    path: 'paper',
    kind: 'string',
    commands: SR,
    description: 'PDF paper size: a4 or letter',
  },
  {
    flag: '--pdf-per-framework',
    path: 'perFrameworkPdf',
    kind: 'boolean',
    commands: SR,
    description: 'write one PDF per framework instead of one combined PDF',
  },
  {
    flag: '--chromium <path>',
    env: 'KUBEPROOF_CHROMIUM',
    path: 'chromium',
    kind: 'string',
    commands: SR,
    description: 'Chromium executable for PDF output (default: auto-detect)',
  },
  {
    flag: '--mappings <dir>',
    env: 'KUBEPROOF_MAPPINGS',
    path: 'mappingsDir',
    kind: 'string',
    commands: ['scan', 'schedule'],
    description: 'mappings folder (default: the one shipped with kubeproof)',
  },
  {
    flag: '--since <date>',
    env: 'KUBEPROOF_SINCE',
    path: 'period.since',
    kind: 'string',
    commands: S,
    description: 'start of the evidence window (audit logs), e.g. 2026-11-01',
  },
  {
    flag: '--until <date>',
    env: 'KUBEPROOF_UNTIL',
    path: 'period.until',
    kind: 'string',
    commands: S,
    description: 'end of the evidence window',
  },
  {
    flag: '--waivers <file>',
    path: 'waivers',
    kind: 'repeatable',
    commands: S,
    description: 'waiver file or folder (YAML; see mappings/waivers/README.md); repeatable',
  },
  {
    flag: '--attestations <file>',
    path: 'attestations',
    kind: 'repeatable',
    commands: S,
    description: 'attestation file or folder for manual controls (YAML); repeatable',
  },
  {
    flag: '--previous <ref>',
    env: 'KUBEPROOF_PREVIOUS',
    path: 'history.previous',
    kind: 'string',
    commands: S,
    description:
      'previous report to compare with: report.json, folder, s3:// URL, auto (S3 latest.json, else <out>/report.json; default) or none',
  },
  {
    flag: '--history <n>',
    env: 'KUBEPROOF_HISTORY',
    path: 'history.keep',
    kind: 'number',
    commands: S,
    description: "runs kept in the report's trend of counts (default 10; 0 turns it off)",
  },
  {
    flag: '--signing-key <file>',
    env: 'KUBEPROOF_SIGNING_KEY_FILE',
    path: 'signing.keyFile',
    kind: 'string',
    commands: SR,
    description:
      'Ed25519 private key (PKCS#8 PEM) that signs manifest.json; without it the manifest is unsigned',
  },
  {
    flag: '--fail-on <level>',
    env: 'KUBEPROOF_FAIL_ON',
    path: 'failOn',
    kind: 'string',
    commands: S,
    description: 'exit 4 when any control is fail (fail) or fail/incomplete (incomplete); default none',
  },
  {
    flag: '--in-cluster',
    env: 'KUBEPROOF_IN_CLUSTER',
    path: 'cluster.inCluster',
    kind: 'boolean',
    commands: S,
    description:
      "use the pod's service account and run kube-bench (and Kubescape) as Jobs in the cluster (detected when running in a pod)",
  },
  {
    flag: '--no-kube-bench-jobs',
    env: 'KUBEPROOF_KUBE_BENCH_JOBS',
    path: 'jobs.kubeBench.enabled',
    kind: 'boolean',
    commands: S,
    description: 'in the cluster: do not run kube-bench Jobs',
  },
  {
    flag: '--kube-bench-workers <all|n>',
    env: 'KUBEPROOF_KUBE_BENCH_WORKERS',
    path: 'jobs.kubeBench.workerNodes',
    kind: 'string',
    commands: S,
    description: 'worker nodes to scan with kube-bench: all (default) or a sample of n',
  },
  {
    flag: '--kube-bench-control-plane <mode>',
    env: 'KUBEPROOF_KUBE_BENCH_CONTROL_PLANE',
    path: 'jobs.kubeBench.controlPlane',
    kind: 'string',
    commands: S,
    description:
      'scan control-plane nodes: auto (when any is visible, default), always or never (managed clusters)',
  },
  {
    flag: '--kube-bench-benchmark <id>',
    env: 'KUBEPROOF_KUBE_BENCH_BENCHMARK',
    path: 'jobs.kubeBench.benchmark',
    kind: 'string',
    commands: S,
    description: 'kube-bench --benchmark for the Jobs (e.g. eks-1.7.0; default: kube-bench detects it)',
  },
  {
    flag: '--kube-bench-job <name|selector>',
    path: 'jobs.kubeBench.existing',
    kind: 'repeatable',
    commands: S,
    description:
      'read the results of kube-bench Jobs run by other means: a Job name or a label selector (app=kube-bench); repeatable',
  },
  {
    flag: '--kubescape-job',
    env: 'KUBEPROOF_KUBESCAPE_JOB',
    path: 'jobs.kubescape.enabled',
    kind: 'boolean',
    commands: S,
    description: 'in the cluster: also run the Kubescape CLI as a Job',
  },
  {
    flag: '--job-timeout <seconds>',
    env: 'KUBEPROOF_JOB_TIMEOUT',
    path: 'jobs.timeoutSeconds',
    kind: 'number',
    commands: S,
    description: 'how long to wait for scanner Jobs before deleting them (default 600)',
  },
  {
    flag: '--job-namespace <ns>',
    env: 'KUBEPROOF_JOB_NAMESPACE',
    path: 'jobs.namespace',
    kind: 'string',
    commands: S,
    description: "namespace of the scanner Jobs (default: kubeproof's own)",
  },
  {
    flag: '--job-service-account <name>',
    env: 'KUBEPROOF_JOB_SERVICE_ACCOUNT',
    path: 'jobs.serviceAccount',
    kind: 'string',
    commands: S,
    description: "service account of the Kubescape Job (default: the template's)",
  },
  {
    flag: '--metrics-file <file>',
    env: 'KUBEPROOF_METRICS_FILE',
    path: 'metrics.file',
    kind: 'string',
    commands: S,
    description: 'write Prometheus metrics to this file (node-exporter textfile collector)',
  },
  {
    flag: '--pushgateway <url>',
    env: 'KUBEPROOF_PUSHGATEWAY',
    path: 'metrics.pushgateway',
    kind: 'string',
    commands: S,
    description: 'push Prometheus metrics to this Pushgateway',
  },
  {
    flag: '--cron <expr>',
    env: 'KUBEPROOF_CRON',
    path: 'schedule.cron',
    kind: 'string',
    commands: ['schedule'],
    description: 'cron expression for `kubeproof schedule` (5 or 6 fields), e.g. "0 2 * * *"',
  },
  {
    flag: '--timezone <tz>',
    env: 'KUBEPROOF_TIMEZONE',
    path: 'schedule.timezone',
    kind: 'string',
    commands: ['schedule'],
    description: "IANA time zone of the cron expression (default: the system's)",
  },
  {
    flag: '--log-format <fmt>',
    env: 'KUBEPROOF_LOG_FORMAT',
    path: 'log.format',
    kind: 'string',
    commands: SR,
    description: 'text (default) or json',
  },
  {
    flag: '--log-level <level>',
    env: 'KUBEPROOF_LOG_LEVEL',
    path: 'log.level',
    kind: 'string',
    commands: SR,
    description: 'debug, info, warn or error',
  },
  {
    flag: '--smtp-url <url>',
    env: 'KUBEPROOF_SMTP_URL',
    path: 'deliver.email.smtpUrl',
    kind: 'string',
    commands: SR,
    description: 'SMTP server, smtp[s]://user:pass@host:port (prefer KUBEPROOF_SMTP_URL or a password file)',
  },
  {
    flag: '--smtp-password-file <file>',
    env: 'KUBEPROOF_SMTP_PASSWORD_FILE',
    path: 'deliver.email.passwordFile',
    kind: 'string',
    commands: SR,
    description: 'file holding the SMTP password',
  },
  {
    flag: '--email-from <addr>',
    env: 'KUBEPROOF_EMAIL_FROM',
    path: 'deliver.email.from',
    kind: 'string',
    commands: SR,
    description: 'sender address',
  },
  {
    flag: '--email-to <list>',
    env: 'KUBEPROOF_EMAIL_TO',
    path: 'deliver.email.to',
    kind: 'list',
    commands: SR,
    description: 'comma list of recipients',
  },
  {
    flag: '--s3 <url>',
    env: 'KUBEPROOF_S3',
    path: 'deliver.s3.url',
    kind: 'string',
    commands: SR,
    description: 'S3 destination s3://bucket/prefix',
  },
  {
    flag: '--s3-endpoint <url>',
    path: 'deliver.s3.endpoint',
    kind: 'string',
    commands: SR,
    description: 'S3-compatible endpoint (MinIO, Ceph, GCS interop); AWS_ENDPOINT_URL_S3 is used when absent',
  },
  {
    flag: '--s3-path-style',
    env: 'KUBEPROOF_S3_PATH_STYLE',
    path: 'deliver.s3.pathStyle',
    kind: 'boolean',
    commands: SR,
    description: 'path-style S3 addressing',
  },
];

export const CONFIG_ENV = 'KUBEPROOF_CONFIG';
