import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { MappingError } from '../errors.ts';
import type { FrameworkDef, ObjectiveDef, RuleMapEntry } from '../model/types.ts';
import { sha256Hex } from '../util/hash.ts';
import { formatIssues } from '../util/zod-issues.ts';
import { frameworkFileSchema, objectiveFileSchema, sourceFileSchema } from './schema.ts';
import { ruleKey, type BenchmarkDef, type MappingBundle } from './types.ts';

/** The mappings/ folder shipped with kubeproof. */
export const DEFAULT_MAPPINGS_DIR = fileURLToPath(new URL('../../mappings/', import.meta.url));

export interface MappingProblems {
  errors: string[];
  warnings: string[];
}

/**
 * Loads and validates a mappings folder. Returns the bundle and every problem found; callers that
 * need a valid bundle use loadMappings(), which throws a MappingError listing the errors.
 */
export async function readMappings(
  dir = DEFAULT_MAPPINGS_DIR,
): Promise<{ bundle: MappingBundle } & MappingProblems> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const rel = (f: string): string => path.join('mappings', path.relative(dir, f));
  const files = await listYaml(dir).catch((err: unknown) => {
    throw new MappingError(
      `cannot read mappings folder ${dir}: ${(err as Error).message}`,
      'pass --mappings DIR',
    );
  });
  const hash = createSortedHash();
  let version = 'unversioned';
  try {
    const v = await readFile(path.join(dir, 'VERSION'), 'utf8');
    version = v.trim();
    hash.add('VERSION', v);
  } catch {
    warnings.push('mappings/VERSION: missing; the report will say the mappings are unversioned');
  }

  const frameworks: FrameworkDef[] = [];
  const objectives = new Map<string, ObjectiveDef>();
  const rules = new Map<string, RuleMapEntry>();
  const benchmarks = new Map<string, BenchmarkDef>();

  for (const file of files) {
    const text = await readFile(file, 'utf8');
    hash.add(path.relative(dir, file), text);
    const name = rel(file);
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) {
      errors.push(`${name}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
      continue;
    }
    const data: unknown = doc.toJS();
    const kind = path.relative(dir, file).split(path.sep)[0];
    if (kind === 'frameworks') {
      const parsed = check(frameworkFileSchema, data, name, errors);
      if (!parsed) continue;
      if (frameworks.some((f) => f.id === parsed.id))
        errors.push(`${name}: id: framework "${parsed.id}" is defined twice`);
      const seen = new Set<string>();
      const families = new Set(parsed.families.map((f) => f.id));
      parsed.controls.forEach((c, i) => {
        if (seen.has(c.id)) errors.push(`${name}: controls[${i}].id: "${c.id}" is defined twice`);
        seen.add(c.id);
        if (!families.has(c.family))
          errors.push(`${name}: controls[${i}].family: unknown family "${c.family}"`);
      });
      parsed.controls.forEach((c, i) => {
        if (c.parent && !seen.has(c.parent) && !(parsed.sections ?? []).some((s) => s.id === c.parent)) {
          errors.push(`${name}: controls[${i}].parent: unknown control or section "${c.parent}"`);
        }
      });
      frameworks.push({
        id: parsed.id,
        name: parsed.name,
        version: parsed.version,
        publisher: parsed.publisher,
        titleNote: parsed.titleNote,
        families: parsed.families,
        controls: parsed.controls.map((c) => ({ ...c })),
        ...(parsed.url ? { url: parsed.url } : {}),
        ...(parsed.sections ? { sections: parsed.sections } : {}),
      });
    } else if (kind === 'objectives') {
      const parsed = check(objectiveFileSchema, data, name, errors);
      if (!parsed) continue;
      parsed.objectives.forEach((o, i) => {
        if (objectives.has(o.id)) {
          errors.push(
            `${name}: objectives[${i}].id: "${o.id}" is already defined in ${objectives.get(o.id)!.file}`,
          );
          return;
        }
        objectives.set(o.id, {
          id: o.id,
          title: o.title,
          severity: o.severity,
          file: name,
          reviewed: o.reviewed ?? parsed.reviewed,
          links: o.links.map((l) => ({
            control: l.control,
            relationship: l.relationship,
            coverage: l.coverage,
            rationale: l.rationale,
          })),
          ...(o.description ? { description: o.description } : {}),
        });
      });
    } else if (kind === 'sources') {
      const parsed = check(sourceFileSchema, data, name, errors);
      if (!parsed) continue;
      if (parsed.source === 'kube-bench') {
        if (!parsed.variant || !parsed.benchmark) {
          errors.push(
            `${name}: variant: kube-bench rule maps need "variant" (the benchmark) and "benchmark"`,
          );
          continue;
        }
        if (benchmarks.has(parsed.variant))
          errors.push(`${name}: variant: benchmark "${parsed.variant}" mapped twice`);
        const fingerprints = new Map<string, string>();
        for (const [ruleId, entry] of Object.entries(parsed.rules))
          if (entry.fp) fingerprints.set(ruleId, entry.fp);
        benchmarks.set(parsed.variant, {
          id: parsed.variant,
          platform: parsed.benchmark.platform,
          aliases: parsed.benchmark.aliases,
          fingerprints,
        });
      }
      for (const [ruleId, entry] of Object.entries(parsed.rules)) {
        const key = ruleKey(parsed.source, parsed.variant, ruleId);
        if (rules.has(key)) {
          errors.push(
            `${name}: rules.${ruleId}: mapped twice for ${parsed.source}${parsed.variant ? ` ${parsed.variant}` : ''}`,
          );
          continue;
        }
        rules.set(key, {
          source: parsed.source,
          ruleId,
          objectives: 'objectives' in entry ? entry.objectives : [],
          ...(parsed.variant ? { variant: parsed.variant } : {}),
          ...('outOfScope' in entry ? { outOfScope: entry.outOfScope } : {}),
        });
      }
    } else if (kind !== 'waivers' && kind !== 'attestations') {
      warnings.push(
        `${name}: not in a known mappings folder (frameworks, objectives, sources, waivers); ignored`,
      );
    }
  }

  // Cross references: every link target exists, every rule's objectives exist, every objective reaches NIST.
  const controlIndex = new Map<string, Set<string>>(
    frameworks.map((f) => [f.id, new Set(f.controls.map((c) => c.id))]),
  );
  for (const o of objectives.values()) {
    o.links.forEach((l, i) => {
      const slash = l.control.indexOf('/');
      const fw = l.control.slice(0, slash);
      const ctl = l.control.slice(slash + 1);
      const known = controlIndex.get(fw);
      if (!known)
        errors.push(`${o.file}: ${o.id}.links[${i}].control: unknown framework "${fw}" in "${l.control}"`);
      else if (!known.has(ctl))
        errors.push(`${o.file}: ${o.id}.links[${i}].control: "${ctl}" is not a control of ${fw}`);
    });
    if (!o.links.some((l) => l.control.startsWith('nist-800-53-r5/'))) {
      errors.push(`${o.file}: ${o.id}.links: every objective must link at least one NIST SP 800-53 control`);
    }
  }
  for (const r of rules.values()) {
    for (const oid of r.objectives) {
      if (!objectives.has(oid)) {
        errors.push(
          `mappings/sources: ${r.source}${r.variant ? ` ${r.variant}` : ''} rule ${r.ruleId}: unknown objective "${oid}"`,
        );
      }
    }
  }
  frameworks.sort(
    (a, b) => FRAMEWORK_ORDER.indexOf(a.id) - FRAMEWORK_ORDER.indexOf(b.id) || a.id.localeCompare(b.id),
  );
  return {
    bundle: { version, sha256: hash.digest(), frameworks, objectives, rules, benchmarks },
    errors,
    warnings,
  };
}

/** Preferred report order of the built-in frameworks; others follow alphabetically. */
export const FRAMEWORK_ORDER = ['pci-dss-4.0.1', 'soc2-2017', 'iso27001-2022', 'nist-800-53-r5'];

/** Loads mappings/ and throws a MappingError naming every problem (file and field) when it is invalid. */
export async function loadMappings(dir = DEFAULT_MAPPINGS_DIR): Promise<MappingBundle> {
  const { bundle, errors } = await readMappings(dir);
  if (errors.length > 0) {
    const shown = errors.slice(0, 20).join('\n  ');
    throw new MappingError(
      `the mapping data is invalid (${errors.length} problem${errors.length > 1 ? 's' : ''}):\n  ${shown}${errors.length > 20 ? `\n  … and ${errors.length - 20} more` : ''}`,
      'fix the files named above (format: mappings/README.md), then run `kubeproof validate`',
    );
  }
  return bundle;
}

function check<T extends z.ZodType>(
  schema: T,
  data: unknown,
  file: string,
  errors: string[],
): z.infer<T> | undefined {
  const r = schema.safeParse(data, { reportInput: true });
  if (r.success) return r.data;
  for (const line of formatIssues(r.error).split('\n')) errors.push(`${file}: ${line}`);
  return undefined;
}

async function listYaml(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

function createSortedHash(): { add(name: string, text: string): void; digest(): string } {
  const parts: [string, string][] = [];
  return {
    add: (name, text) => parts.push([name.split(path.sep).join('/'), sha256Hex(text)]),
    digest: () =>
      sha256Hex(
        parts
          .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
          .map(([n, h]) => `${h}  ${n}\n`)
          .join(''),
      ),
  };
}
