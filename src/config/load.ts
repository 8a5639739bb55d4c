import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.ts';
import { formatIssues } from '../util/zod-issues.ts';
import { OPTIONS, type OptionDef } from './options.ts';
import { configSchema, FRAMEWORK_ALIASES, type Config } from './schema.ts';

export interface ConfigSources {
  /** YAML config file path (`--config` or KUBEPROOF_CONFIG). */
  file?: string;
  env?: Record<string, string | undefined>;
  /** Values from flags, keyed by the option's config path. */
  flags?: Record<string, unknown>;
}

/**
 * Builds the run configuration: defaults ← config file ← environment ← flags, then validates it.
 * Errors name the source and the field: `kubeproof.yaml: deliver.s3.url: must look like s3://bucket/prefix`.
 */
export async function loadConfig(src: ConfigSources): Promise<Config> {
  let base: Record<string, unknown> = {};
  if (src.file) {
    let text: string;
    try {
      text = await readFile(src.file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `${src.file}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        'check the --config path',
      );
    }
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) {
      throw new ConfigError(`${src.file}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    }
    const data: unknown = doc.toJS() ?? {};
    if (typeof data !== 'object' || Array.isArray(data)) {
      throw new ConfigError(
        `${src.file}: expected a YAML mapping at the top level`,
        'see the README, "Configuration"',
      );
    }
    base = data as Record<string, unknown>;
  }
  const layered = structuredClone(base);
  const fromEnv = envValues(src.env ?? {});
  for (const [p, v] of Object.entries(fromEnv)) setPath(layered, p, v);
  for (const [p, v] of Object.entries(src.flags ?? {})) {
    if (v === undefined) continue;
    const def = OPTIONS.find((o) => o.path === p);
    if (def?.kind === 'repeatable' && Array.isArray(v) && v.length === 0) continue;
    setPath(layered, p, v);
  }
  const parsed = configSchema.safeParse(layered, { reportInput: true });
  if (!parsed.success) {
    const where = src.file ? `${src.file} (with environment and flags)` : 'configuration';
    throw new ConfigError(
      `invalid ${where}:\n  ${formatIssues(parsed.error).split('\n').join('\n  ')}`,
      'see `kubeproof scan --help` and the README, "Configuration"',
    );
  }
  const cfg = parsed.data;
  if (cfg.frameworks) cfg.frameworks = cfg.frameworks.map((f) => FRAMEWORK_ALIASES[f.toLowerCase()] ?? f);
  return cfg;
}

/** Reads the KUBEPROOF_* variables of the option table into config paths. */
export function envValues(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const def of OPTIONS) {
    if (!def.env) continue;
    const raw = env[def.env];
    if (raw === undefined || raw === '') continue;
    out[def.path] = coerce(def, raw, `environment variable ${def.env}`);
  }
  return out;
}

function coerce(def: OptionDef, raw: string, where: string): unknown {
  switch (def.kind) {
    case 'list':
    case 'repeatable':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`${where}: expected true or false, got "${raw}"`);
    case 'number': {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new ConfigError(`${where}: expected a number, got "${raw}"`);
      return n;
    }
    default:
      return raw;
  }
}

/** Splits comma lists given as flags (`--format json,html`). */
export function flagValue(def: OptionDef, v: unknown): unknown {
  if (v === undefined) return undefined;
  if (def.kind === 'list' && typeof v === 'string') return coerce(def, v, def.flag);
  if (def.kind === 'repeatable' && Array.isArray(v)) return v as string[];
  return v;
}

function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur: Record<string, unknown> = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts.at(-1)!] = value;
}
