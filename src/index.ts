/**
 * kubeproof as a library: the pure core (mapping, assessment, report building, diff), the sources,
 * cluster access, renderers and deliverers. The command line (src/cli/) is built on these exports.
 */
export type * from './model/types.ts';
export {
  FINDING_STATUSES,
  CONTROL_STATUSES,
  SEVERITIES,
  SOURCE_IDS,
  COVERAGES,
  RELATIONSHIPS,
} from './model/types.ts';
export { reportModelSchema, reportJsonSchema } from './model/schema.ts';
export {
  KubeproofError,
  UsageError,
  ConfigError,
  InputError,
  MappingError,
  SourceError,
  EXIT,
  exitCodeFor,
} from './errors.ts';

export { loadConfig, type ConfigSources } from './config/load.ts';
export { configSchema, FORMATS, FRAMEWORK_ALIASES, type Config, type ConfigInput } from './config/schema.ts';
export { OPTIONS, type OptionDef } from './config/options.ts';

export { loadMappings, readMappings, DEFAULT_MAPPINGS_DIR } from './mapping/load.ts';
export { ruleKey, type MappingBundle, type BenchmarkDef } from './mapping/types.ts';
export { assess, type AssessOptions, type Assessment } from './mapping/assess.ts';
export { loadGovernance, governance, type Waiver, type Attestation } from './mapping/waivers.ts';
export { textFingerprint } from './mapping/fingerprint.ts';

export { buildReport, REPORT_SCHEMA_VERSION, type BuildReportInput } from './report/build.ts';
export { diffReports, diffText, type ReportDiff } from './report/diff.ts';
export { runScan, resolveCluster, type RunDeps, type RunResult, type RenderResult } from './run.ts';

export type { Source, SourceContext, SourceOutput, RawInput } from './sources/types.ts';
export { createSources, type SourceSetup } from './sources/registry.ts';
export { kubeBenchSource, normalizeKubeBench } from './sources/kube-bench/index.ts';
export { rbacSource, analyzeRbac, effectiveGrants, RBAC_RESOURCES } from './sources/rbac/index.ts';
export { workloadsSource, analyzeWorkloads, WORKLOAD_RESOURCES } from './sources/workloads/index.ts';

export { openCluster, loadSnapshot, loadKubeConfig, createKubeClient } from './kube/index.ts';
export type { ClusterReader, ClusterIdentity } from './kube/index.ts';

export { renderAll, FORMATS as RENDER_FORMATS, type RenderOptions } from './render/index.ts';
export { deliverAll, writeLocal } from './deliver/index.ts';
export { seal, verifyBundle } from './bundle/index.ts';

export { createLogger, type Logger } from './util/log.ts';
export { redactText, redactValue, redactUrl } from './util/redact.ts';
export { TOOL_VERSION } from './version.ts';
