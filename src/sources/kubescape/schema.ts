/**
 * Kubescape JSON: layout detection, validation with paths (parse, don't cast), and recognition of
 * other tools' JSON.
 *
 * Layouts accepted (each written by some Kubescape release, see docs/kubescape.md):
 * - v2 PostureReport (`--format json`, Kubescape ≥ 2.0): `{summaryDetails, results[], resources[], metadata}`;
 *   a bare `results[]` array is read the same way;
 * - v1 FrameworkReport `{name, controlReports[].ruleReports[].ruleResponses[]}`, a list of them, or a v1
 *   PostureReport `{frameworkReports: [...]}`;
 * - a bare list of one resource's controls (`[{controlID, rules[]}]`, opa-utils ResourceAssociatedControl);
 * - a bare `summaryDetails` block (`{controls: {"C-0001": {...}}}`): control-level results only.
 * Unknown fields are ignored; a wrong type on a field that is read is an InputError naming the JSON path.
 */
import { InputError } from '../../errors.ts';
import {
  recogniseOtherTool as recogniseNotKubeBench,
  recogniseOtherToolByLine,
  isKubeBenchJson,
} from '../kube-bench/schema.ts';
import type {
  ControlMeta,
  DeclaredCounters,
  KubescapeFormat,
  ParsedDoc,
  ParsedResult,
  ParsedRule,
  ResourceMeta,
  ResourceRefLite,
  RulePaths,
} from './model.ts';
import { parseResourceId } from './resource-id.ts';

type Obj = Record<string, unknown>;

const ZERO_TIME = /^0001-01-01T00:00:00/;

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON path segment for messages: `results[3].controls[0].rules`. */
function jp(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base ? `${base}.${key}` : key;
}

/** RFC 6901 pointer segment. */
export function ptr(base: string, key: string | number): string {
  return `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

class Walker {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }
  fail(path: string, msg: string, hint?: string): never {
    throw new InputError(this.file, msg, {
      path: path || '(root)',
      hint:
        hint ?? 'this does not look like complete Kubescape output; re-run kubescape scan with --format json',
    });
  }
  obj(v: unknown, path: string, what: string): Obj {
    if (!isObj(v)) this.fail(path, `expected object (${what}), got ${kind(v)}`);
    return v;
  }
  /** Optional string; numbers are accepted as their text (Kubescape has written both). */
  str(o: Obj, key: string, path: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string') this.fail(jp(path, key), `expected string, got ${kind(v)}`);
    return v;
  }
  num(o: Obj, key: string, path: string): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v))
      this.fail(jp(path, key), `expected number, got ${kind(v)}`);
    return v;
  }
  /** An array field; Go writes `null` for an empty slice, so null reads as []. */
  arr(o: Obj, key: string, path: string): unknown[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(jp(path, key), `expected array, got ${kind(v)}`);
    return v;
  }
}

/* ------------------------------------------------------------------ detection */

function looksLikeV1Framework(v: unknown): boolean {
  return isObj(v) && Array.isArray(v['controlReports']);
}

function looksLikeResourceControl(v: unknown): boolean {
  return isObj(v) && typeof v['controlID'] === 'string' && ('rules' in v || 'status' in v);
}

function looksLikeResult(v: unknown): boolean {
  return isObj(v) && typeof v['resourceID'] === 'string' && ('controls' in v || 'prioritizedResource' in v);
}

function looksLikeSummary(v: unknown): boolean {
  if (!isObj(v) || !isObj(v['controls'])) return false;
  const first = Object.values(v['controls'])[0];
  return first === undefined
    ? 'frameworks' in v || 'ResourceCounters' in v
    : isObj(first) && 'controlID' in first;
}

/** True when parsed JSON has a Kubescape layout (used by Source.detect and input sniffing). */
export function isKubescapeJson(json: unknown): boolean {
  if (Array.isArray(json)) {
    return (
      json.length > 0 &&
      (json.every(looksLikeV1Framework) ||
        json.every(looksLikeResourceControl) ||
        json.every(looksLikeResult))
    );
  }
  if (!isObj(json)) return false;
  return (
    'summaryDetails' in json ||
    (Array.isArray(json['results']) &&
      (json['results'].length === 0 || looksLikeResult(json['results'][0]))) ||
    Array.isArray(json['frameworkReports']) ||
    looksLikeV1Framework(json) ||
    looksLikeSummary(json)
  );
}

/** Names the tool that produced some other JSON, with the hint to give, or undefined. */
export function recogniseOtherTool(json: unknown): { tool: string; hint: string } | undefined {
  if (isKubeBenchJson(json)) return { tool: 'kube-bench', hint: 'pass it with --kube-bench' };
  if (
    isObj(json) &&
    Array.isArray(json['runs']) &&
    ((typeof json['$schema'] === 'string' && /sarif/i.test(json['$schema'])) || json['version'] === '2.1.0')
  ) {
    return {
      tool: 'SARIF',
      hint: 'kubeproof reads Kubescape JSON: re-run kubescape scan with --format json',
    };
  }
  const other = recogniseNotKubeBench(json);
  if (!other || other.tool === 'Kubescape') return undefined;
  if (other.tool.startsWith('kubectl')) {
    return {
      tool: other.tool,
      hint: 'pass Kubescape results here (kubescape scan --format json), not a cluster dump',
    };
  }
  if (other.tool === 'Kubernetes audit log') return other;
  return {
    tool: other.tool,
    hint: `kubeproof does not read ${other.tool} output; pass kubescape scan --format json output`,
  };
}

/* ------------------------------------------------------------------ pieces */

/** A fix value as text: Kubescape writes strings, some consumers JSON scalars; objects are not values. */
function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function emptyPaths(): RulePaths {
  return { failedPaths: [], fixPaths: [], reviewPaths: [], deletePaths: [] };
}

function addPaths(w: Walker, into: RulePaths, o: Obj, path: string): void {
  // v2: paths[] of {failedPath, fixPath: {path, value}, reviewPath, deletePath, fixCommand}
  w.arr(o, 'paths', path).forEach((p, i) => {
    const pp = jp(jp(path, 'paths'), i);
    const po = w.obj(p, pp, 'a rule path');
    const failed = w.str(po, 'failedPath', pp);
    if (failed) into.failedPaths.push(failed);
    const review = w.str(po, 'reviewPath', pp);
    if (review) into.reviewPaths.push(review);
    const del = w.str(po, 'deletePath', pp);
    if (del) into.deletePaths.push(del);
    const fix = po['fixPath'];
    if (isObj(fix)) {
      const fp = w.str(fix, 'path', jp(pp, 'fixPath'));
      const fv = scalarText(fix['value']);
      if (fp) into.fixPaths.push({ path: fp, ...(fv !== undefined ? { value: fv } : {}) });
    } else if (typeof fix === 'string' && fix) {
      // operator CRDs: fixPath and fixPathValue are separate strings
      const fv = w.str(po, 'fixPathValue', pp);
      into.fixPaths.push({ path: fix, ...(fv !== undefined ? { value: fv } : {}) });
    }
  });
  // v1 and some v2 releases: flat lists
  for (const [key, list] of [
    ['failedPaths', into.failedPaths],
    ['reviewPaths', into.reviewPaths],
    ['deletePaths', into.deletePaths],
  ] as const) {
    w.arr(o, key, path).forEach((s, i) => {
      if (typeof s !== 'string') w.fail(jp(jp(path, key), i), `expected string, got ${kind(s)}`);
      list.push(s);
    });
  }
  w.arr(o, 'fixPaths', path).forEach((f, i) => {
    const fp = jp(jp(path, 'fixPaths'), i);
    const fo = w.obj(f, fp, 'a fix path');
    const p = w.str(fo, 'path', fp);
    const v = scalarText(fo['value']);
    if (p) into.fixPaths.push({ path: p, ...(v !== undefined ? { value: v } : {}) });
  });
}

/** Exception policy names of a rule (`exception[]` of PostureExceptionPolicy, or v1 `exceptionName`). */
function exceptionNames(w: Walker, o: Obj, path: string): string[] {
  const names: string[] = [];
  const ex = o['exception'] ?? o['exceptions'];
  const list = Array.isArray(ex) ? ex : isObj(ex) ? [ex] : [];
  list.forEach((e, i) => {
    if (!isObj(e))
      w.fail(jp(jp(path, 'exception'), i), `expected object (an exception policy), got ${kind(e)}`);
    names.push(typeof e['name'] === 'string' && e['name'] ? e['name'] : '(unnamed exception)');
  });
  const single = w.str(o, 'exceptionName', path);
  if (single) names.push(single);
  return names;
}

function parseRule(w: Walker, v: unknown, path: string, paths: RulePaths): ParsedRule {
  const o = w.obj(v, path, 'a rule result');
  const st = o['status'];
  let status = '';
  let subStatus: string | undefined;
  if (typeof st === 'string') {
    status = st;
    subStatus = w.str(o, 'subStatus', path);
  } else if (isObj(st)) {
    status = w.str(st, 'status', jp(path, 'status')) ?? '';
    subStatus = w.str(st, 'subStatus', jp(path, 'status'));
  } else if (st !== undefined && st !== null) {
    w.fail(jp(path, 'status'), `expected string or {status, subStatus}, got ${kind(st)}`);
  }
  addPaths(w, paths, o, path);
  return {
    name: w.str(o, 'name', path) ?? '',
    status,
    ...(subStatus ? { subStatus } : {}),
    exceptions: exceptionNames(w, o, path),
  };
}

/** One entry of `results[].controls[]` (or of a bare resource-controls list). */
function parseResultControl(
  w: Walker,
  v: unknown,
  path: string,
  pointer: string,
  resourceId: string,
): ParsedResult {
  const o = w.obj(v, path, 'a control result');
  const controlId = w.str(o, 'controlID', path);
  if (!controlId) w.fail(jp(path, 'controlID'), 'required field is missing');
  const paths = emptyPaths();
  const rules = w.arr(o, 'rules', path).map((r, i) => parseRule(w, r, jp(jp(path, 'rules'), i), paths));
  const r: ParsedResult = { controlId, resourceId, rules, paths, pointer };
  const name = w.str(o, 'name', path);
  if (name) r.controlName = name;
  const st = o['status'];
  if (typeof st === 'string') {
    if (st) r.status = st;
  } else if (isObj(st)) {
    const s = w.str(st, 'status', jp(path, 'status'));
    const sub = w.str(st, 'subStatus', jp(path, 'status'));
    const info = w.str(st, 'info', jp(path, 'status'));
    if (s) r.status = s;
    if (sub) r.subStatus = sub;
    if (info) r.info = info;
  } else if (st !== undefined && st !== null) {
    w.fail(jp(path, 'status'), `expected string or {status, subStatus}, got ${kind(st)}`);
  }
  return r;
}

function counters(w: Walker, o: Obj, path: string): DeclaredCounters | undefined {
  const c = o['ResourceCounters'] ?? o['resourceCounters'];
  if (c === undefined || c === null) return undefined;
  const p = jp(path, 'ResourceCounters');
  const co = w.obj(c, p, 'resource counters');
  return {
    passed: w.num(co, 'passedResources', p) ?? 0,
    failed: w.num(co, 'failedResources', p) ?? 0,
    skipped: w.num(co, 'skippedResources', p) ?? 0,
    excluded: w.num(co, 'excludedResources', p) ?? 0,
  };
}

function parseSummaryControls(
  w: Walker,
  sd: Obj,
  path: string,
  pointer: string,
  into: Map<string, ControlMeta>,
): void {
  const controls = sd['controls'];
  if (controls === undefined || controls === null) return;
  const cp = jp(path, 'controls');
  const co = w.obj(controls, cp, 'a map of control id to control summary');
  for (const [key, v] of Object.entries(co)) {
    const p = jp(cp, key);
    const c = w.obj(v, p, 'a control summary');
    const id = w.str(c, 'controlID', p) ?? key;
    const meta: ControlMeta = { id, pointer: ptr(ptr(pointer, 'controls'), key) };
    const name = w.str(c, 'name', p);
    if (name) meta.name = name;
    const sf = w.num(c, 'scoreFactor', p);
    if (sf !== undefined) meta.scoreFactor = sf;
    const score = w.num(c, 'score', p);
    if (score !== undefined) meta.score = score;
    const si = c['statusInfo'];
    if (isObj(si)) {
      const s = w.str(si, 'status', jp(p, 'statusInfo'));
      const sub = w.str(si, 'subStatus', jp(p, 'statusInfo'));
      const info = w.str(si, 'info', jp(p, 'statusInfo'));
      if (s) meta.status = s;
      if (sub) meta.subStatus = sub;
      if (info) meta.info = info;
    }
    if (!meta.status) {
      const s = w.str(c, 'status', p);
      if (s) meta.status = s;
    }
    const cnt = counters(w, c, p);
    if (cnt) meta.counters = cnt;
    into.set(id, meta);
  }
}

/** Identity of a `resources[].object`; the object itself is never kept. */
function identity(o: Obj): { ref?: ResourceRefLite; related: ResourceRefLite[]; sourcePath?: string } {
  const s = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const md = isObj(o['metadata']) ? o['metadata'] : {};
  const refOf = (x: Obj): ResourceRefLite | undefined => {
    const m = isObj(x['metadata']) ? x['metadata'] : {};
    const k = s(x['kind']);
    const n = s(m['name']) ?? s(x['name']);
    if (!k || !n) return undefined;
    const ns = s(m['namespace']) ?? s(x['namespace']);
    const api = s(x['apiVersion']) ?? s(x['apiGroup']);
    return { kind: k, name: n, ...(ns ? { namespace: ns } : {}), ...(api ? { apiVersion: api } : {}) };
  };
  const related = (Array.isArray(o['relatedObjects']) ? o['relatedObjects'] : [])
    .filter(isObj)
    .map(refOf)
    .filter((r): r is ResourceRefLite => r !== undefined);
  const ref = refOf(o);
  const sourcePath = s(o['sourcePath']) ?? s(md['sourcePath']);
  return { ...(ref ? { ref } : {}), related, ...(sourcePath ? { sourcePath } : {}) };
}

function parseResources(w: Walker, list: unknown[], into: Map<string, ResourceMeta>): void {
  list.forEach((v, i) => {
    const p = jp('resources', i);
    const o = w.obj(v, p, 'a resource');
    const id = w.str(o, 'resourceID', p);
    if (!id) w.fail(jp(p, 'resourceID'), 'required field is missing');
    const meta: ResourceMeta = { id, related: [], pointer: `/resources/${i}` };
    const obj = o['object'];
    if (isObj(obj)) {
      const idn = identity(obj);
      if (idn.ref) meta.ref = idn.ref;
      meta.related = idn.related;
      if (idn.sourcePath) meta.sourcePath = idn.sourcePath;
    }
    const src = o['source'];
    if (isObj(src) && typeof src['relativePath'] === 'string' && src['relativePath']) {
      meta.sourcePath = src['relativePath'];
    }
    into.set(id, meta);
  });
}

/* ------------------------------------------------------------------ layouts */

function base(format: KubescapeFormat): ParsedDoc {
  return {
    format,
    results: [],
    controls: new Map(),
    resources: new Map(),
    frameworks: [],
    priorities: new Map(),
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function dig(o: unknown, ...keys: string[]): unknown {
  let cur = o;
  for (const k of keys) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** Cluster name, Kubescape version and scan time wherever a release wrote them. */
function envelope(doc: ParsedDoc, o: Obj): void {
  const cluster =
    str(o['clusterName']) ??
    str(dig(o, 'metadata', 'targetMetadata', 'clusterContextMetadata', 'contextName')) ??
    str(dig(o, 'metadata', 'contextMetadata', 'clusterContextMetadata', 'contextName')) ??
    str(dig(o, 'metadata', 'clusterMetadata', 'contextName'));
  if (cluster) doc.clusterName = cluster;
  const server = str(dig(o, 'clusterAPIServerInfo', 'gitVersion'));
  if (server) doc.serverVersion = server;
  const cloud = str(o['clusterCloudProvider']) ?? str(dig(o, 'metadata', 'clusterMetadata', 'cloudProvider'));
  if (cloud) doc.platform = cloud;
  const version = str(dig(o, 'metadata', 'scanMetadata', 'kubescapeVersion')) ?? str(o['clientVersion']);
  if (version) doc.toolVersion = version;
  const t = str(o['generationTime']) ?? str(o['reportGenerationTime']);
  if (t && !ZERO_TIME.test(t)) doc.generationTime = t;
}

function parseV2(w: Walker, o: Obj): ParsedDoc {
  const doc = base('kubescape-v2');
  envelope(doc, o);
  const sd = o['summaryDetails'];
  if (sd !== undefined && sd !== null) {
    const sdo = w.obj(sd, 'summaryDetails', 'the summary');
    parseSummaryControls(w, sdo, 'summaryDetails', '/summaryDetails', doc.controls);
    w.arr(sdo, 'frameworks', 'summaryDetails').forEach((f, i) => {
      const fo = w.obj(f, jp(jp('summaryDetails', 'frameworks'), i), 'a framework summary');
      const name = w.str(fo, 'name', jp(jp('summaryDetails', 'frameworks'), i));
      if (name) doc.frameworks.push(name);
    });
  }
  const targets = dig(o, 'metadata', 'scanMetadata', 'targetNames');
  if (doc.frameworks.length === 0 && Array.isArray(targets)) {
    for (const t of targets) if (typeof t === 'string' && t) doc.frameworks.push(t);
  }
  parseResources(w, w.arr(o, 'resources', ''), doc.resources);
  parseResultsList(w, w.arr(o, 'results', ''), 'results', '/results', doc);
  return doc;
}

function parseResultsList(w: Walker, list: unknown[], path: string, pointer: string, doc: ParsedDoc): void {
  list.forEach((v, i) => {
    const p = jp(path, i);
    const o = w.obj(v, p, 'a resource result');
    const rid = w.str(o, 'resourceID', p);
    if (!rid) w.fail(jp(p, 'resourceID'), 'required field is missing');
    const pr = o['prioritizedResource'];
    if (isObj(pr)) {
      const score = w.num(pr, 'score', jp(p, 'prioritizedResource'));
      const severity = w.num(pr, 'severity', jp(p, 'prioritizedResource'));
      doc.priorities.set(rid, {
        ...(score !== undefined ? { score } : {}),
        ...(severity !== undefined ? { severity } : {}),
      });
    }
    w.arr(o, 'controls', p).forEach((c, j) => {
      doc.results.push(
        parseResultControl(w, c, jp(jp(p, 'controls'), j), `${pointer}/${i}/controls/${j}`, rid),
      );
    });
  });
}

/** A v1 alert object → resource id and identity (the subject of externalObjects first). */
function v1Resource(
  alert: unknown,
): { id: string; ref?: ResourceRefLite; related: ResourceRefLite[] } | undefined {
  if (!isObj(alert)) return undefined;
  const objs = (Array.isArray(alert['k8sApiObjects']) ? alert['k8sApiObjects'] : []).filter(isObj);
  const ext = isObj(alert['externalObjects']) ? [alert['externalObjects']] : [];
  const refs = [...ext, ...objs]
    .map(identity)
    .map((i) => i.ref)
    .filter((r): r is ResourceRefLite => !!r);
  const primary = refs[0];
  if (!primary) return undefined;
  const idOf = (r: ResourceRefLite): string =>
    `${r.apiVersion ?? ''}/${r.namespace ?? ''}/${r.kind}/${r.name}`;
  return { id: refs.map(idOf).sort().join('/'), ref: primary, related: refs.slice(1) };
}

function parseV1Framework(w: Walker, v: unknown, path: string, pointer: string, doc: ParsedDoc): void {
  const fo = w.obj(v, path, 'a Kubescape framework report');
  const fname = w.str(fo, 'name', path);
  if (fname && !doc.frameworks.includes(fname)) doc.frameworks.push(fname);
  w.arr(fo, 'controlReports', path).forEach((c, ci) => {
    const cp = jp(jp(path, 'controlReports'), ci);
    const cptr = `${pointer}/controlReports/${ci}`;
    const co = w.obj(c, cp, 'a control report');
    const name = w.str(co, 'name', cp);
    const id = w.str(co, 'controlID', cp) ?? w.str(co, 'id', cp) ?? (name ? `name:${name}` : undefined);
    if (!id) w.fail(jp(cp, 'controlID'), 'required field is missing (and the control has no name)');
    if (!doc.controls.has(id)) {
      const meta: ControlMeta = { id, pointer: cptr };
      if (name) meta.name = name;
      const bs = w.num(co, 'baseScore', cp);
      if (bs !== undefined) meta.scoreFactor = bs;
      const score = w.num(co, 'score', cp);
      if (score !== undefined) meta.score = score;
      doc.controls.set(id, meta);
    }
    let evaluated = 0;
    let responses = 0;
    let ruleError: string | undefined;
    w.arr(co, 'ruleReports', cp).forEach((r, ri) => {
      const rp = jp(jp(cp, 'ruleReports'), ri);
      const ro = w.obj(r, rp, 'a rule report');
      const rname = w.str(ro, 'name', rp) ?? '';
      evaluated += w.num(ro, 'NumOfResources', rp) ?? 0;
      const counter = ro['resourceUniqueCounter'];
      if (isObj(counter)) evaluated += w.num(counter, 'all', jp(rp, 'resourceUniqueCounter')) ?? 0;
      evaluated += w.arr(ro, 'listInputResources', rp).length;
      const rs = ro['ruleStatus'];
      if (isObj(rs) && typeof rs['status'] === 'string' && /^(failure|error)$/i.test(rs['status'])) {
        ruleError = typeof rs['message'] === 'string' && rs['message'] ? rs['message'] : 'rule failed to run';
      }
      w.arr(ro, 'ruleResponses', rp).forEach((resp, k) => {
        const pp = jp(jp(rp, 'ruleResponses'), k);
        const po = w.obj(resp, pp, 'a rule response');
        responses++;
        const res = v1Resource(po['alertObject']);
        const resourceId = res?.id ?? `unknown/${ci}/${ri}/${k}`;
        if (res && !doc.resources.has(resourceId)) {
          doc.resources.set(resourceId, {
            id: resourceId,
            ...(res.ref ? { ref: res.ref } : {}),
            related: res.related,
            pointer: `${cptr}/ruleReports/${ri}/ruleResponses/${k}/alertObject`,
          });
        }
        const paths = emptyPaths();
        addPaths(w, paths, po, pp);
        const exceptions = exceptionNames(w, po, pp);
        const msg = w.str(po, 'alertMessage', pp);
        doc.results.push({
          controlId: id,
          ...(name ? { controlName: name } : {}),
          resourceId,
          status: exceptions.length > 0 ? 'excluded' : 'failed',
          rules: [{ name: rname, status: 'failed', exceptions }],
          paths,
          ...(msg ? { message: msg } : {}),
          pointer: `${cptr}/ruleReports/${ri}/ruleResponses/${k}`,
        });
      });
    });
    if (responses === 0) {
      // v1 lists failures only: no response means nothing failed among the resources it evaluated.
      doc.results.push({
        controlId: id,
        ...(name ? { controlName: name } : {}),
        resourceId: '',
        ...(ruleError
          ? { status: 'error', info: ruleError }
          : evaluated > 0
            ? { status: 'passed', info: `${evaluated} resources evaluated, none failed` }
            : { status: 'irrelevant', info: 'the report lists no resource evaluated for this control' }),
        rules: [],
        paths: emptyPaths(),
        pointer: cptr,
      });
    }
  });
}

/**
 * Parses Kubescape JSON text. Throws InputError naming the file, the JSON path and the fix: invalid or
 * truncated JSON, another tool's JSON, a wrong shape.
 */
export function parseKubescapeJson(file: string, text: string): ParsedDoc {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const byLine = recogniseOtherToolByLine(text, recogniseOtherTool);
    if (byLine) {
      throw new InputError(file, `this looks like ${byLine.tool} output (JSON lines), not Kubescape output`, {
        hint: byLine.hint,
      });
    }
    const detail = err instanceof Error ? err.message : String(err);
    const truncated = /end of (JSON )?input|Unterminated/i.test(detail);
    throw new InputError(file, `${truncated ? 'truncated JSON' : 'invalid JSON'} (${detail})`, {
      hint: truncated
        ? 'the file ends in the middle of a JSON document: save the complete output (kubescape scan --format json --output FILE)'
        : 'pass the unmodified output of kubescape scan --format json',
      cause: err,
    });
  }
  return parseKubescapeValue(file, json);
}

/** Parses an already decoded JSON value (see parseKubescapeJson). */
export function parseKubescapeValue(file: string, json: unknown): ParsedDoc {
  const w = new Walker(file);
  if (!isKubescapeJson(json)) {
    const other = recogniseOtherTool(json);
    if (other) {
      throw new InputError(file, `this looks like ${other.tool} output, not Kubescape output`, {
        hint: other.hint,
      });
    }
    w.fail(
      '',
      `expected Kubescape JSON (a v2 report with summaryDetails/results, a v1 framework report with ` +
        `controlReports, or a list of them), got ${kind(json)}` +
        (isObj(json) ? ` with keys ${Object.keys(json).slice(0, 6).join(', ') || '(none)'}` : '') +
        (Array.isArray(json) && json.length === 0 ? ' (empty)' : ''),
      'pass the output of kubescape scan --format json (kubescape ≥ 2) or --format json of an older release',
    );
  }
  if (Array.isArray(json)) {
    if (json.every(looksLikeV1Framework)) {
      const doc = base('kubescape-v1-list');
      json.forEach((f, i) => parseV1Framework(w, f, jp('', i), `/${i}`, doc));
      return doc;
    }
    if (json.every(looksLikeResult)) {
      const doc = base('kubescape-v2');
      parseResultsList(w, json, '', '', doc);
      return doc;
    }
    const doc = base('kubescape-resource-controls');
    json.forEach((c, i) => doc.results.push(parseResultControl(w, c, jp('', i), `/${i}`, '')));
    return doc;
  }
  const o = json as Obj;
  if (Array.isArray(o['frameworkReports'])) {
    const doc = base('kubescape-v1-list');
    envelope(doc, o);
    o['frameworkReports'].forEach((f, i) =>
      parseV1Framework(w, f, jp('frameworkReports', i), `/frameworkReports/${i}`, doc),
    );
    return doc;
  }
  if (looksLikeV1Framework(o)) {
    const doc = base('kubescape-v1-framework');
    envelope(doc, o);
    parseV1Framework(w, o, '', '', doc);
    return doc;
  }
  if ('summaryDetails' in o || 'results' in o) return parseV2(w, o);
  const doc = base('kubescape-summary');
  parseSummaryControls(w, o, '', '', doc.controls);
  w.arr(o, 'frameworks', '').forEach((f, i) => {
    if (isObj(f) && typeof f['name'] === 'string' && f['name']) doc.frameworks.push(f['name']);
    else if (typeof f === 'string') doc.frameworks.push(f);
    else w.fail(jp('frameworks', i), `expected a framework summary, got ${kind(f)}`);
  });
  return doc;
}

export { parseResourceId };
