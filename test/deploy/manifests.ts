/** Helpers for the deploy/ tests: read every YAML document under deploy/, apply kustomize JSON patches. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEPLOY = path.join(ROOT, 'deploy');

export type Doc = Record<string, unknown> & {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
};

export interface YamlFile {
  file: string;
  docs: Doc[];
}

/** Every *.yaml under `dir` except Helm templates (Go templates are not YAML until rendered). */
export function yamlFiles(dir: string = DEPLOY): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) {
        if (p === path.join(DEPLOY, 'helm', 'kubeproof', 'templates')) continue;
        walk(p);
      } else if (/\.ya?ml$/.test(name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Parses a multi-document YAML file; throws with the file name on a syntax error. */
export function parseYaml(file: string, text = readFileSync(file, 'utf8')): Doc[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const out: Doc[] = [];
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    if (d.errors.length > 0) throw new Error(`${path.relative(ROOT, file)}: ${d.errors[0]!.message}`);
    const v: unknown = d.toJS();
    if (v !== null && v !== undefined) out.push(v as Doc);
  }
  return out;
}

export function allManifests(): YamlFile[] {
  return yamlFiles().map((file) => ({ file, docs: parseYaml(file) }));
}

interface PatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

/** Applies RFC 6902 add/replace/remove (what our kustomize patches use); throws on a path that does not exist. */
export function applyJsonPatch(doc: unknown, ops: PatchOp[]): unknown {
  const root = structuredClone(doc);
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let cur: unknown = root;
    for (const p of parts.slice(0, -1)) {
      const next: unknown = Array.isArray(cur)
        ? (cur as unknown[])[Number(p)]
        : (cur as Record<string, unknown>)[p];
      if (typeof next !== 'object' || next === null) throw new Error(`${op.op} ${op.path}: no ${p}`);
      cur = next;
    }
    const last = parts.at(-1)!;
    if (Array.isArray(cur)) {
      if (op.op === 'add') {
        if (last === '-') cur.push(op.value);
        else cur.splice(Number(last), 0, op.value);
      } else {
        const i = Number(last);
        if (!(i >= 0 && i < cur.length)) throw new Error(`${op.op} ${op.path}: index out of range`);
        if (op.op === 'replace') cur[i] = op.value;
        else cur.splice(i, 1);
      }
    } else {
      const obj = cur as Record<string, unknown>;
      if (op.op !== 'add' && !(last in obj)) throw new Error(`${op.op} ${op.path}: no ${last}`);
      if (op.op === 'remove') delete obj[last];
      else obj[last] = op.value;
    }
  }
  return root;
}

/** Manifests of the base, in kustomization.yaml's resource order. */
export function baseResources(): Doc[] {
  const k = parseYaml(path.join(DEPLOY, 'base', 'kustomization.yaml'))[0] as { resources: string[] };
  return k.resources.flatMap((r) => parseYaml(path.join(DEPLOY, 'base', r)));
}

/** Applies a kustomization's (or component's) JSON6902 patches to copies of the given manifests. */
export function applyKustomizePatches(kustomizationFile: string, docs: Doc[]): Doc[] {
  const k = parseYaml(kustomizationFile)[0] as {
    patches?: { target: { kind: string; name: string }; patch: string }[];
  };
  let out = docs.map((d) => structuredClone(d));
  for (const p of k.patches ?? []) {
    const ops = parseYaml(kustomizationFile, p.patch)[0] as unknown as PatchOp[];
    let hit = 0;
    out = out.map((d) => {
      if (d.kind !== p.target.kind || d.metadata?.name !== p.target.name) return d;
      hit++;
      return applyJsonPatch(d, ops) as Doc;
    });
    if (hit === 0)
      throw new Error(`${kustomizationFile}: patch target ${p.target.kind}/${p.target.name} not found`);
  }
  return out;
}
