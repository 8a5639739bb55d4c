/**
 * kube-bench JSON: validation with paths (parse, don't cast) and recognition of other tools' JSON.
 *
 * Layouts accepted (all produced by some kube-bench release):
 * - `{"Controls": [...], "Totals": {...}}` (kube-bench ≥ 0.6 with --json),
 * - a bare array of Controls (older releases, and `--json` with `--outputfile` in some versions),
 * - one Controls object (one target, very old releases),
 * - JSON lines: one Controls object per line (0.2.x printed one document per target).
 * Fields follow kube-bench's check/controls.go and check/check.go; unknown fields are ignored.
 */
import { InputError } from '../../errors.ts';
import { NATIVE_STATUSES } from './model.ts';
import type { Counts, InputFormat, NativeStatus, ParsedCheck, ParsedDoc, ParsedTarget } from './model.ts';
import { jsonErrorMessage } from '../../util/json-error.ts';

type Obj = Record<string, unknown>;

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON path segment for messages: `Controls[0].tests[3]`. */
function jp(base: string, key: string | number): string {
  return typeof key === 'number' ? `${base}[${key}]` : base ? `${base}.${key}` : key;
}

class Walker {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }
  fail(path: string, msg: string, hint?: string): never {
    throw new InputError(this.file, msg, {
      path,
      hint:
        hint ?? 'this does not look like complete kube-bench --json output; re-run kube-bench with --json',
    });
  }
  str(o: Obj, key: string, path: string, required: boolean): string | undefined {
    const v = o[key];
    if (v === undefined || (v === null && !required)) {
      if (required) this.fail(jp(path, key), 'required field is missing');
      return undefined;
    }
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string') this.fail(jp(path, key), `expected string, got ${kind(v)}`);
    return v;
  }
  bool(o: Obj, key: string, path: string): boolean | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(jp(path, key), `expected boolean, got ${kind(v)}`);
    return v;
  }
  num(o: Obj, key: string, path: string): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      this.fail(jp(path, key), `expected a non-negative integer, got ${kind(v)}`);
    }
    return v;
  }
  /** An array field; kube-bench writes `null` for an empty Go slice, so null reads as []. */
  arr(o: Obj, key: string, path: string): unknown[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(jp(path, key), `expected array, got ${kind(v)}`);
    return v;
  }
}

function counts(w: Walker, o: Obj, path: string, prefix: string): Counts | undefined {
  const p = w.num(o, `${prefix}pass`, path);
  const f = w.num(o, `${prefix}fail`, path);
  const wa = w.num(o, `${prefix}warn`, path);
  const i = w.num(o, `${prefix}info`, path);
  if (p === undefined && f === undefined && wa === undefined && i === undefined) return undefined;
  return { pass: p ?? 0, fail: f ?? 0, warn: wa ?? 0, info: i ?? 0 };
}

function parseCheck(w: Walker, v: unknown, path: string, pointer: string, section: string): ParsedCheck {
  if (!isObj(v)) w.fail(path, `expected object (a check), got ${kind(v)}`);
  const status = w.str(v, 'status', path, true) as string;
  if (!(NATIVE_STATUSES as readonly string[]).includes(status)) {
    w.fail(
      jp(path, 'status'),
      `unknown status ${JSON.stringify(status)} (expected PASS, FAIL, WARN or INFO)`,
    );
  }
  const check: ParsedCheck = {
    id: w.str(v, 'test_number', path, true) as string,
    text: w.str(v, 'test_desc', path, true) as string,
    status: status as NativeStatus,
    section,
    pointer,
  };
  const s = (k: string): string | undefined => w.str(v, k, path, false);
  const opt: Partial<ParsedCheck> = {
    audit: s('audit'),
    auditEnv: s('AuditEnv'),
    auditConfig: s('AuditConfig'),
    type: s('type'),
    remediation: s('remediation'),
    actual: s('actual_value'),
    expected: s('expected_result'),
    reason: s('reason'),
    scored: w.bool(v, 'scored', path),
    isMultiple: w.bool(v, 'IsMultiple', path),
  };
  for (const [k, val] of Object.entries(opt)) if (val !== undefined) (check as unknown as Obj)[k] = val;
  return check;
}

function parseTarget(w: Walker, v: unknown, path: string, pointer: string): ParsedTarget {
  if (!isObj(v)) w.fail(path, `expected object (a kube-bench target such as master or node), got ${kind(v)}`);
  const target: ParsedTarget = {
    id: w.str(v, 'id', path, true) as string,
    text: w.str(v, 'text', path, false) ?? '',
    checks: [],
  };
  const nodeType = w.str(v, 'node_type', path, false);
  const version = w.str(v, 'version', path, false);
  const detected = w.str(v, 'detected_version', path, false);
  if (nodeType) target.nodeType = nodeType;
  if (version) target.version = version;
  if (detected) target.detectedVersion = detected;
  const declared = counts(w, v, path, 'total_');
  if (declared) target.declared = declared;
  const groups = w.arr(v, 'tests', path);
  groups.forEach((g, gi) => {
    const gpath = jp(jp(path, 'tests'), gi);
    if (!isObj(g)) w.fail(gpath, `expected object (a group of checks), got ${kind(g)}`);
    const section = w.str(g, 'section', gpath, false) ?? '';
    w.arr(g, 'results', gpath).forEach((c, ci) => {
      target.checks.push(
        parseCheck(w, c, jp(jp(gpath, 'results'), ci), `${pointer}/tests/${gi}/results/${ci}`, section),
      );
    });
  });
  return target;
}

function looksLikeTarget(v: unknown): boolean {
  return isObj(v) && 'id' in v && ('tests' in v || 'node_type' in v || 'total_pass' in v);
}

/** True when parsed JSON has a kube-bench layout (used by Source.detect and input sniffing). */
export function isKubeBenchJson(json: unknown): boolean {
  if (isObj(json)) return Array.isArray(json['Controls']) || looksLikeTarget(json);
  if (Array.isArray(json)) return json.length > 0 && json.every(looksLikeTarget);
  return false;
}

/** Names the tool that produced some other JSON, with the hint to give, or undefined. */
export function recogniseOtherTool(json: unknown): { tool: string; hint: string } | undefined {
  const first: unknown = Array.isArray(json) ? (json as unknown[])[0] : json;
  if (!isObj(first)) return undefined;
  const has = (k: string): boolean => k in first;
  const keys = Object.keys(first);
  if (
    has('summaryDetails') ||
    has('frameworkReports') ||
    has('controlReports') ||
    has('customerGUID') ||
    has('controlID') ||
    has('activeControls') ||
    has('controlsNames') ||
    has('scanningScope') ||
    (has('controls') && has('frameworks')) ||
    (Array.isArray(first['results']) && isObj(first['results'][0]) && 'controls' in first['results'][0])
  ) {
    return { tool: 'Kubescape', hint: 'pass it with --kubescape' };
  }
  const apiVersion = typeof first['apiVersion'] === 'string' ? first['apiVersion'] : '';
  if (
    has('ClusterName') ||
    (has('SchemaVersion') && has('ArtifactName')) ||
    apiVersion.startsWith('aquasecurity.github.io/') ||
    keys.some((k) => k.endsWith('.aquasecurity.github.io')) ||
    (isObj(first['report']) && isObj(first['report']['scanner'])) ||
    has('detailReport') ||
    has('summaryReport') ||
    (has('compliance') && has('reportType'))
  ) {
    return {
      tool: 'Trivy',
      hint: 'kubeproof does not read Trivy output; run kube-bench and pass its --json output',
    };
  }
  if (has('PolarisOutputVersion') || (has('AuditTime') && has('ClusterInfo'))) {
    return {
      tool: 'Polaris',
      hint: 'kubeproof does not read Polaris output; run kube-bench and pass its --json output',
    };
  }
  if (apiVersion.startsWith('audit.k8s.io/') || (has('auditID') && has('verb') && has('stage'))) {
    return { tool: 'Kubernetes audit log', hint: 'pass it with --audit-log' };
  }
  if ((has('kind') && has('items')) || (has('apiVersion') && has('metadata'))) {
    return {
      tool: 'kubectl (Kubernetes API objects)',
      hint: 'pass kube-bench output here, not a cluster dump',
    };
  }
  return undefined;
}

/**
 * Another tool's JSON lines (an audit log, say): the tool named by the first line that parses, or undefined.
 * For the error message only, when the text as a whole is not one JSON document.
 */
export function recogniseOtherToolByLine(
  text: string,
  recognise: (json: unknown) => { tool: string; hint: string } | undefined,
): { tool: string; hint: string } | undefined {
  for (const line of text.split(/\r?\n/, 20)) {
    const l = line.trim();
    if (!l.startsWith('{')) continue;
    try {
      return recognise(JSON.parse(l));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Parses kube-bench JSON text (already known to start like JSON). Throws InputError naming the file,
 * the JSON path and the fix: invalid or truncated JSON, another tool's JSON, a wrong shape.
 */
export function parseKubeBenchJson(file: string, text: string): ParsedDoc {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const lines = parseJsonLines(file, text);
    if (lines) return lines;
    const byLine = recogniseOtherToolByLine(text, recogniseOtherTool);
    if (byLine) {
      throw new InputError(
        file,
        `this looks like ${byLine.tool} output (JSON lines), not kube-bench output`,
        {
          hint: byLine.hint,
        },
      );
    }
    const detail = jsonErrorMessage(err);
    const open = openBrackets(text);
    const truncated = /end of (JSON )?input|Unterminated/i.test(detail) || open > 0;
    const what = truncated
      ? `truncated JSON: the document ends with ${open > 0 ? `${open} bracket(s) still open` : 'an unfinished value'}`
      : 'invalid JSON';
    throw new InputError(file, `${what} (${detail})`, {
      hint: truncated
        ? 'the file ends in the middle of a JSON document: copy the complete output (kubectl logs can be cut ' +
          'off; prefer kube-bench --json --outputfile) and try again'
        : 'pass the unmodified output of kube-bench --json, or its plain text output',
      cause: err,
    });
  }
  const w: Walker = new Walker(file);
  const other = isKubeBenchJson(json) ? undefined : recogniseOtherTool(json);
  if (other) {
    throw new InputError(file, `this looks like ${other.tool} output, not kube-bench output`, {
      hint: other.hint,
    });
  }
  let format: InputFormat;
  let items: unknown[];
  let base: string;
  let declaredTotals: Counts | undefined;
  if (Array.isArray(json)) {
    if (json.length === 0)
      w.fail('', 'empty JSON array: no kube-bench targets', 'kube-bench ran no target; check its logs');
    format = 'kube-bench-json-array';
    items = json;
    base = '';
  } else if (isObj(json) && 'Controls' in json) {
    format = 'kube-bench-json-controls';
    items = w.arr(json, 'Controls', '');
    base = '/Controls';
    if (isObj(json['Totals'])) declaredTotals = counts(w, json['Totals'], 'Totals', 'total_');
    else if (json['Totals'] !== undefined && json['Totals'] !== null) {
      w.fail('Totals', `expected object, got ${kind(json['Totals'])}`);
    }
  } else if (looksLikeTarget(json)) {
    const target = parseTarget(w, json, '', '');
    return { format: 'kube-bench-json-target', targets: [target] };
  } else {
    w.fail(
      '',
      `expected kube-bench --json output ({"Controls": [...]} or an array of targets), got ${kind(json)}` +
        (isObj(json) ? ` with keys ${Object.keys(json).slice(0, 6).join(', ') || '(none)'}` : ''),
    );
  }
  const targets = items.map((t, i) => parseTarget(w, t, jp(base ? 'Controls' : '', i), `${base}/${i}`));
  const doc: ParsedDoc = { format, targets };
  if (declaredTotals) doc.declaredTotals = declaredTotals;
  return doc;
}

/** Brackets still open at the end of the text (strings skipped): > 0 means the JSON was cut off. */
function openBrackets(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
  }
  return inString ? depth + 1 : depth;
}

/** One kube-bench target per line (old releases). Undefined when the text is not that. */
function parseJsonLines(file: string, text: string): ParsedDoc | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((l, i) => ({ l, n: i + 1 }))
    .filter(({ l }) => l.trim() !== '');
  if (lines.length < 2) return undefined;
  const parsed: unknown[] = [];
  for (const { l } of lines) {
    try {
      parsed.push(JSON.parse(l));
    } catch {
      return undefined;
    }
  }
  if (!parsed.every(looksLikeTarget)) return undefined;
  const w: Walker = new Walker(file);
  // Each line is its own document; the pointer addresses the line's document, the line locates it.
  const targets = parsed.map((t, i) => {
    const n = lines[i]?.n ?? i + 1;
    const target = parseTarget(w, t, `line ${n}`, '');
    for (const c of target.checks) c.line = n;
    return target;
  });
  return { format: 'kube-bench-jsonl', targets };
}
