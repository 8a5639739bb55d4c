/**
 * A minimal evaluator for the subset of Go templates (Helm) that deploy/helm/kubeproof uses. There is no
 * helm binary on the build machines, so the chart's templates are kept to this subset and rendered here;
 * anything outside it throws, so the chart cannot silently grow beyond what the tests can check.
 *
 * Supported: `{{ .Values.a.b }}`, `.Release.Name`, `.Release.Namespace`, `.Chart.AppVersion`,
 * `.Files.Get "path"`; pipelines with `quote`, `toYaml`, `nindent N`, `indent N`; `toYaml X` call form;
 * `if X` / `if not X` / `else` / `end`; `{{-` and `-}}` whitespace trimming.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

export interface RenderContext {
  Values: Record<string, unknown>;
  Release: { Name: string; Namespace: string };
  Chart: { Name: string; Version: string; AppVersion: string };
  chartDir: string;
}

type Node =
  { t: 'text'; s: string } | { t: 'expr'; e: string } | { t: 'if'; cond: string; then: Node[]; else: Node[] };

/** Splits into text and actions, applying `{{-`/`-}}` trimming. */
function tokenize(src: string): { t: 'text' | 'action'; s: string }[] {
  const out: { t: 'text' | 'action'; s: string }[] = [];
  const re = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
  let last = 0;
  let trimNext = false;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    let text = src.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    out.push({ t: 'text', s: text });
    out.push({ t: 'action', s: m[2]! });
    trimNext = m[3] === '-';
    last = re.lastIndex;
  }
  let tail = src.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  out.push({ t: 'text', s: tail });
  return out;
}

function parse(tokens: { t: 'text' | 'action'; s: string }[]): Node[] {
  let i = 0;
  const block = (stopAt: string[]): { nodes: Node[]; stop: string } => {
    const nodes: Node[] = [];
    while (i < tokens.length) {
      const tok = tokens[i++]!;
      if (tok.t === 'text') {
        if (tok.s) nodes.push({ t: 'text', s: tok.s });
        continue;
      }
      const a = tok.s;
      if (a.startsWith('/*')) continue;
      if (stopAt.includes(a)) return { nodes, stop: a };
      if (a.startsWith('if ')) {
        const thenPart = block(['else', 'end']);
        const elsePart = thenPart.stop === 'else' ? block(['end']).nodes : [];
        nodes.push({ t: 'if', cond: a.slice(3).trim(), then: thenPart.nodes, else: elsePart });
        continue;
      }
      if (/^(else|end|range|with|define|include|template|block)\b/.test(a))
        throw new Error(`unsupported action {{ ${a} }}`);
      nodes.push({ t: 'expr', e: a });
    }
    if (stopAt.length > 0) throw new Error(`missing {{ ${stopAt.join(' / ')} }}`);
    return { nodes, stop: '' };
  };
  return block([]).nodes;
}

function lookup(ctx: RenderContext, ref: string): unknown {
  if (!ref.startsWith('.')) throw new Error(`unsupported operand "${ref}"`);
  let cur: unknown = ctx;
  for (const part of ref.slice(1).split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function toYaml(v: unknown): string {
  return stringify(v, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
}

function indent(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return s
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

function operand(ctx: RenderContext, words: string[]): unknown {
  const [head, ...args] = words;
  if (head === undefined) throw new Error('empty expression');
  if (head === '.Files.Get') {
    const rel = JSON.parse(args[0]!) as string;
    return readFileSync(path.join(ctx.chartDir, rel), 'utf8');
  }
  if (head === 'toYaml') return toYaml(lookup(ctx, args[0]!));
  if (head === 'not') return !truthy(lookup(ctx, args[0]!));
  if (head.startsWith('"')) return JSON.parse(head);
  if (args.length > 0) throw new Error(`unsupported call "${words.join(' ')}"`);
  return lookup(ctx, head);
}

function evaluate(ctx: RenderContext, expr: string): unknown {
  const stages = expr.split('|').map((s) => s.trim().match(/"[^"]*"|\S+/g) ?? []);
  let v = operand(ctx, stages[0]!);
  for (const [fn, ...args] of stages.slice(1)) {
    if (fn === 'quote')
      v = JSON.stringify(v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
    else if (fn === 'toYaml') v = toYaml(v);
    else if (fn === 'nindent') v = '\n' + indent(Number(args[0]), String(v));
    else if (fn === 'indent') v = indent(Number(args[0]), String(v));
    else throw new Error(`unsupported function "${fn}"`);
  }
  return v;
}

function run(ctx: RenderContext, nodes: Node[]): string {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.s;
    else if (n.t === 'if') {
      const words = n.cond.split(/\s+/);
      const v = words[0] === 'not' ? !truthy(operand(ctx, words.slice(1))) : truthy(operand(ctx, words));
      out += run(ctx, v ? n.then : n.else);
    } else {
      const v = evaluate(ctx, n.e);
      if (v === undefined || v === null) throw new Error(`{{ ${n.e} }}: no value`);
      out += typeof v === 'string' ? v : JSON.stringify(v);
    }
  }
  return out;
}

/** Renders one template file's text. */
export function renderTemplate(src: string, ctx: RenderContext): string {
  return run(ctx, parse(tokenize(src)));
}

/** Deep merge of user values over the chart's defaults (maps merge, everything else replaces), as Helm does. */
export function mergeValues(base: unknown, over: unknown): unknown {
  if (over === undefined) return structuredClone(base);
  if (isMap(base) && isMap(over)) {
    const out: Record<string, unknown> = structuredClone(base);
    for (const [k, v] of Object.entries(over)) out[k] = mergeValues(base[k], v);
    return out;
  }
  return structuredClone(over);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
