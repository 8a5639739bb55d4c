/**
 * Turns one audit Event (a JSON line or a parsed object) into a slim AuditRecord.
 *
 * Two paths give the same record:
 * - `recordFromObject` (the reference): takes a parsed Event and reads only the fields the checks need.
 * - `recordFromLine` (the fast path): scans the line's top-level object with indexOf and parses only
 *   the small values it needs (user, objectRef, responseStatus...). Request and response bodies are
 *   never parsed: in the API server's canonical key order they sit between responseStatus and
 *   requestReceivedTimestamp, so the scanner jumps over them to the last top-level timestamp key and
 *   checks that the rest of the line closes the top-level object exactly (a nested or truncated jump
 *   fails that check). Anything unusual (non-canonical order around a body, escapes it cannot
 *   confirm, non-Event kinds, a body the checks need) returns `undefined` and the caller falls back
 *   to JSON.parse + recordFromObject. The fast path checks the head and tail structure of the line,
 *   not the bytes inside bodies it skips.
 *
 * Bodies: only a binding's roleRef/subjects and a pod spec's privileged/host* flags are read, and only
 * for the writes that need them (see needsBody). Secret `data`/`stringData` are never read.
 */
import type { AuditRecord, ExtractedBody } from './types.ts';

const BINDING_RESOURCES = new Set(['rolebindings', 'clusterrolebindings']);
const WRITE_VERBS = new Set(['create', 'update', 'patch']);
/** Resources whose request object carries a pod spec, and where it sits. */
const POD_SPEC_PATH: Record<string, string[]> = {
  pods: ['spec'],
  deployments: ['spec', 'template', 'spec'],
  daemonsets: ['spec', 'template', 'spec'],
  statefulsets: ['spec', 'template', 'spec'],
  replicasets: ['spec', 'template', 'spec'],
  replicationcontrollers: ['spec', 'template', 'spec'],
  jobs: ['spec', 'template', 'spec'],
  cronjobs: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
const MAX_SUBJECTS = 20;

/** Whether the checks need a field from this request's body. */
export function needsBody(r: Pick<AuditRecord, 'verb' | 'resource' | 'subresource'>): boolean {
  if (!r.resource || r.subresource || !WRITE_VERBS.has(r.verb)) return false;
  return BINDING_RESOURCES.has(r.resource) || r.resource in POD_SPEC_PATH;
}

/* ---------------- request URI redaction ---------------- */

/** Query parameters whose values are kept; every other value is replaced by `[REDACTED]`. */
const KEPT_PARAMS = new Set([
  'container',
  'watch',
  'limit',
  'resourceVersion',
  'resourceVersionMatch',
  'timeout',
  'timeoutSeconds',
  'dryRun',
  'fieldManager',
  'propagationPolicy',
  'stdin',
  'stdout',
  'stderr',
  'tty',
  'allowWatchBookmarks',
  'includeUninitialized',
  'follow',
  'previous',
  'ports',
  'gracePeriodSeconds',
  'orphanDependents',
  'force',
  'pretty',
  'sendInitialEvents',
]);

/**
 * Redacts a request URI: the path is kept, query values are kept only for an allow-list of harmless
 * parameters (`token=`, `access_token=` and anything unknown become `[REDACTED]`); of an exec's
 * `command=` arguments only the first (the program) is kept, as later arguments may carry passwords.
 */
export function redactRequestUri(uri: string): string {
  const q = uri.indexOf('?');
  if (q < 0) return uri;
  const parts = uri.slice(q + 1).split('&');
  let commands = 0;
  const out = parts.map((p) => {
    const eq = p.indexOf('=');
    if (eq < 0) return p;
    const key = p.slice(0, eq);
    let name = key;
    try {
      name = decodeURIComponent(key);
    } catch {
      return '[REDACTED]';
    }
    if (name === 'command') return commands++ === 0 ? p : `${key}=[REDACTED]`;
    return KEPT_PARAMS.has(name) ? p : `${key}=[REDACTED]`;
  });
  return `${uri.slice(0, q)}?${out.join('&')}`;
}

/* ---------------- timestamps ---------------- */

let cachedPrefix = '';
let cachedBase = 0;
const ISO_PREFIX = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/**
 * Parses an RFC 3339 timestamp to epoch ms (NaN when invalid). The common UTC form
 * `YYYY-MM-DDTHH:MM:SS[.frac]Z` is read by hand with the whole-second part cached (events come in
 * time order); anything else goes to Date.parse. Fractions are truncated to the millisecond.
 */
export function parseTime(s: string | undefined): number {
  if (s === undefined) return NaN;
  const n = s.length;
  if (n < 20 || s.charCodeAt(n - 1) !== 90) return Date.parse(s);
  let ms = 0;
  if (n > 20) {
    if (s.charCodeAt(19) !== 46) return Date.parse(s);
    for (let k = 20; k < n - 1; k++) {
      const d = s.charCodeAt(k) - 48;
      if (d < 0 || d > 9) return Date.parse(s);
      if (k < 23) ms += d * (k === 20 ? 100 : k === 21 ? 10 : 1);
    }
  }
  if (!s.startsWith(cachedPrefix) || cachedPrefix === '') {
    const prefix = s.slice(0, 19);
    const m = ISO_PREFIX.exec(prefix);
    if (
      !m ||
      +m[2]! < 1 ||
      +m[2]! > 12 ||
      +m[3]! < 1 ||
      +m[3]! > 31 ||
      +m[4]! > 23 ||
      +m[5]! > 59 ||
      +m[6]! > 59
    ) {
      return Date.parse(s);
    }
    cachedBase = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    cachedPrefix = prefix;
  }
  return cachedBase + ms;
}

/* ---------------- reference path: parsed object → record ---------------- */

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function bodyFrom(r: AuditRecord, requestObject: unknown): ExtractedBody | undefined {
  const ro = obj(requestObject);
  if (!ro || !r.resource) return undefined;
  if (BINDING_RESOURCES.has(r.resource)) {
    // Only roleRef and subjects are read; the rest of the object is never looked at.
    const roleRef = obj(ro['roleRef']);
    const subjects = Array.isArray(ro['subjects']) ? ro['subjects'] : [];
    const subj: string[] = [];
    for (const s of subjects.slice(0, MAX_SUBJECTS)) {
      const so = obj(s);
      if (!so) continue;
      const kind = str(so['kind']) ?? '?';
      const ns = str(so['namespace']);
      subj.push(ns ? `${kind}/${ns}/${str(so['name']) ?? '?'}` : `${kind}/${str(so['name']) ?? '?'}`);
    }
    const body: ExtractedBody = { kind: 'binding', subjects: subj };
    const rk = str(roleRef?.['kind']);
    const rn = str(roleRef?.['name']);
    if (rk !== undefined) body.roleRefKind = rk;
    if (rn !== undefined) body.roleRefName = rn;
    return body;
  }
  const path = POD_SPEC_PATH[r.resource];
  if (!path) return undefined;
  let spec: Record<string, unknown> | undefined = ro;
  for (const k of path) spec = obj(spec?.[k]);
  if (!spec) return { kind: 'pod', flags: [] };
  const flags = new Set<string>();
  for (const f of ['hostPID', 'hostIPC', 'hostNetwork'] as const) if (spec[f] === true) flags.add(f);
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    const cs = spec[list];
    if (!Array.isArray(cs)) continue;
    for (const c of cs) {
      const sc = obj(obj(c)?.['securityContext']);
      if (sc?.['privileged'] === true) flags.add('privileged');
    }
  }
  return { kind: 'pod', flags: [...flags].sort() };
}

/**
 * Reference extraction from a parsed Event. Returns undefined when the value is not an audit Event
 * (no string auditID/verb, or a `kind` other than Event). `apiVersion` may be absent (Falco traces).
 */
export function recordFromObject(v: unknown): AuditRecord | undefined {
  const e = obj(v);
  if (!e) return undefined;
  if (e['kind'] !== undefined && e['kind'] !== 'Event') return undefined;
  const auditID = str(e['auditID']);
  const verb = str(e['verb']);
  if (!auditID || verb === undefined) return undefined;
  const user = obj(e['user']);
  const groups = Array.isArray(user?.['groups'])
    ? (user['groups'] as unknown[]).filter((g): g is string => typeof g === 'string')
    : [];
  const rec: AuditRecord = {
    auditID,
    stage: str(e['stage']) ?? 'ResponseComplete',
    level: str(e['level']) ?? 'Unknown',
    verb,
    user: str(user?.['username']) ?? '',
    groups,
    requestURI: redactRequestUri(str(e['requestURI']) ?? ''),
    time: parseTime(str(e['requestReceivedTimestamp']) ?? str(e['stageTimestamp']) ?? str(e['timestamp'])),
    hasRequestObject: e['requestObject'] !== undefined && e['requestObject'] !== null,
  };
  const imp = str(obj(e['impersonatedUser'])?.['username']);
  if (imp !== undefined) rec.impersonatedUser = imp;
  const ips = e['sourceIPs'];
  if (Array.isArray(ips) && typeof ips[0] === 'string') rec.sourceIP = ips[0];
  const ua = str(e['userAgent']);
  if (ua !== undefined) rec.userAgent = ua;
  const ref = obj(e['objectRef']);
  if (ref) {
    for (const k of ['resource', 'subresource', 'namespace', 'name', 'apiGroup'] as const) {
      const val = str(ref[k]);
      if (val !== undefined && val !== '') rec[k] = val;
    }
  }
  const code = obj(e['responseStatus'])?.['code'];
  if (typeof code === 'number') rec.code = code;
  const decision = str(obj(e['annotations'])?.['authorization.k8s.io/decision']);
  if (decision !== undefined) rec.decision = decision;
  if (rec.hasRequestObject && needsBody(rec)) {
    const body = bodyFrom(rec, e['requestObject']);
    if (body) rec.body = body;
  }
  return rec;
}

/* ---------------- fast path: string scanning ---------------- */

/** Index just past the closing quote of the JSON string starting at `i` (s[i] === '"'), or -1. */
function stringEnd(s: string, i: number): number {
  let j = s.indexOf('"', i + 1);
  while (j > 0) {
    let k = j - 1;
    while (s.charCodeAt(k) === 92) k--;
    if ((j - 1 - k) % 2 === 0) return j + 1;
    j = s.indexOf('"', j + 1);
  }
  return -1;
}

function readString(s: string, i: number, end: number): string {
  const raw = s.slice(i + 1, end - 1);
  return raw.indexOf('\\') < 0 ? raw : (JSON.parse(s.slice(i, end)) as string);
}

/** Index just past the JSON value starting at `i`, or -1; strings are skipped with indexOf. */
function valueEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 34) return stringEnd(s, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    let j = i;
    const n = s.length;
    while (j < n) {
      const ch = s.charCodeAt(j);
      if (ch === 34) {
        j = stringEnd(s, j);
        if (j < 0) return -1;
        continue;
      }
      if (ch === 123 || ch === 91) depth++;
      else if (ch === 125 || ch === 93) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return -1;
  }
  // number, true, false, null
  let j = i;
  while (j < s.length) {
    const ch = s.charCodeAt(j);
    if (ch === 44 || ch === 125 || ch === 93 || ch === 32 || ch === 9 || ch === 13 || ch === 10) break;
    j++;
  }
  return j > i ? j : -1;
}

function skipWs(s: string, i: number): number {
  let c = s.charCodeAt(i);
  while (c === 32 || c === 9 || c === 13 || c === 10) c = s.charCodeAt(++i);
  return i;
}

/** The API server's key order for audit.k8s.io Events (v1 and v1beta1). */
const CANONICAL: Record<string, number> = {
  kind: 0,
  apiVersion: 1,
  metadata: 2,
  level: 3,
  timestamp: 4,
  auditID: 5,
  stage: 6,
  requestURI: 7,
  verb: 8,
  user: 9,
  impersonatedUser: 10,
  sourceIPs: 11,
  userAgent: 12,
  objectRef: 13,
  responseStatus: 14,
  requestObject: 15,
  responseObject: 16,
  requestReceivedTimestamp: 17,
  stageTimestamp: 18,
  annotations: 19,
};
const TAIL_KEYS = [',"requestReceivedTimestamp":', ',"stageTimestamp":', ',"annotations":'];

/**
 * Fast extraction from one JSON line. Returns undefined when the line must go through the reference
 * path (see the module comment); never throws on malformed input.
 */
export function recordFromLine(s: string): AuditRecord | undefined {
  try {
    return s.startsWith(CANON_PREFIX) ? (scanCanonical(s) ?? scan(s)) : scan(s);
  } catch {
    return undefined;
  }
}

const CANON_PREFIX = '{"kind":"Event","apiVersion":';
const DECISION_KEY = '"authorization.k8s.io/decision":"';
/** End of the last string read by strAt (avoids allocating a tuple per field). */
let strEnd = 0;

function strAt(s: string, i: number): string | undefined {
  if (s.charCodeAt(i) !== 34) return undefined;
  const e = stringEnd(s, i);
  if (e < 0) return undefined;
  strEnd = e;
  return readString(s, i, e);
}

/** The JSON array of strings at i (strEnd is then just past its `]`), or undefined when it is not one. */
function stringArray(s: string, i: number): string[] | undefined {
  if (s.charCodeAt(i) !== 91) return undefined;
  const out: string[] = [];
  let p = i + 1;
  if (s.charCodeAt(p) === 93) {
    strEnd = p + 1;
    return out;
  }
  for (;;) {
    const v = strAt(s, p);
    if (v === undefined) return undefined;
    out.push(v);
    const c = s.charCodeAt(strEnd);
    if (c === 93) {
      strEnd++;
      return out;
    }
    if (c !== 44) return undefined;
    p = strEnd + 1;
  }
}

/**
 * The user object at i in the API server's key order (username, uid, groups, extra), keeping username
 * and groups; strEnd is then just past its `}`. Undefined for any other shape.
 */
function userAt(s: string, i: number): Record<string, unknown> | undefined {
  if (!s.startsWith('{"username":', i)) return undefined;
  const username = strAt(s, i + 12);
  if (username === undefined) return undefined;
  const user: Record<string, unknown> = { username };
  let p = strEnd;
  if (s.startsWith(',"uid":', p)) {
    if (strAt(s, p + 7) === undefined) return undefined;
    p = strEnd;
  }
  if (s.startsWith(',"groups":', p)) {
    const g = stringArray(s, p + 10);
    if (!g) return undefined;
    user['groups'] = g;
    p = strEnd;
  }
  if (s.startsWith(',"extra":', p)) {
    p = valueEnd(s, p + 9);
    if (p < 0) return undefined;
  }
  if (s.charCodeAt(p) !== 125) return undefined;
  strEnd = p + 1;
  return user;
}

/** 1 to 4 ASCII digits. */
function isCode(d: string): boolean {
  if (d.length < 1 || d.length > 4) return false;
  for (let k = 0; k < d.length; k++) {
    const c = d.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The objectRef key the checks read whose unescaped text is s[i, i + n), if any. */
function refKey(s: string, i: number, n: number): (typeof REF_ORDER)[number] | undefined {
  switch (n) {
    case 4:
      return s.startsWith('name', i) ? 'name' : undefined;
    case 8:
      return s.startsWith('resource', i) ? 'resource' : s.startsWith('apiGroup', i) ? 'apiGroup' : undefined;
    case 9:
      return s.startsWith('namespace', i) ? 'namespace' : undefined;
    case 11:
      return s.startsWith('subresource', i) ? 'subresource' : undefined;
    default:
      return undefined;
  }
}
/** objectRef keys in the order recordFromObject sets them. */
const REF_ORDER = ['resource', 'subresource', 'namespace', 'name', 'apiGroup'] as const;

/**
 * The flat object of strings at i (objectRef), keeping only the keys the checks read; strEnd is then
 * just past its `}`. Undefined for any other shape.
 */
function flatStrings(s: string, i: number): Record<string, unknown> | undefined {
  if (s.charCodeAt(i) !== 123) return undefined;
  const out: Record<string, unknown> = {};
  let p = i + 1;
  if (s.charCodeAt(p) === 125) {
    strEnd = p + 1;
    return out;
  }
  for (;;) {
    // The key is matched in place (no string per key); an escaped key goes to the reference path.
    if (s.charCodeAt(p) !== 34) return undefined;
    const ke = stringEnd(s, p);
    if (ke < 0 || s.charCodeAt(ke) !== 58) return undefined;
    for (let q = p + 1; q < ke - 1; q++) if (s.charCodeAt(q) === 92) return undefined;
    const k = refKey(s, p + 1, ke - p - 2);
    const vs = ke + 1;
    if (s.charCodeAt(vs) !== 34) return undefined;
    if (k !== undefined) {
      out[k] = strAt(s, vs);
    } else {
      const e = stringEnd(s, vs);
      if (e < 0) return undefined;
      strEnd = e;
    }
    const c = s.charCodeAt(strEnd);
    if (c === 125) {
      strEnd++;
      return out;
    }
    if (c !== 44) return undefined;
    p = strEnd + 1;
  }
}

/**
 * The API server's own layout (keys in canonical order, no whitespace): read with startsWith at the
 * expected positions. Any deviation returns undefined and the generic scanner takes over.
 */
function scanCanonical(s: string): AuditRecord | undefined {
  let i = CANON_PREFIX.length;
  if (strAt(s, i) === undefined) return undefined;
  i = strEnd;
  if (s.startsWith(',"metadata":', i)) {
    i = valueEnd(s, i + 12);
    if (i < 0) return undefined;
  }
  if (!s.startsWith(',"level":', i)) return undefined;
  const level = strAt(s, i + 9);
  if (level === undefined) return undefined;
  i = strEnd;
  let tLegacy: string | undefined;
  if (s.startsWith(',"timestamp":', i)) {
    tLegacy = strAt(s, i + 13);
    if (tLegacy === undefined) return undefined;
    i = strEnd;
  }
  if (!s.startsWith(',"auditID":', i)) return undefined;
  const auditID = strAt(s, i + 11);
  if (auditID === undefined) return undefined;
  i = strEnd;
  if (!s.startsWith(',"stage":', i)) return undefined;
  const stage = strAt(s, i + 9);
  if (stage === undefined) return undefined;
  i = strEnd;
  if (!s.startsWith(',"requestURI":', i)) return undefined;
  const uri = strAt(s, i + 14);
  if (uri === undefined) return undefined;
  i = strEnd;
  if (!s.startsWith(',"verb":', i)) return undefined;
  const verb = strAt(s, i + 8);
  if (verb === undefined) return undefined;
  i = strEnd;
  if (!s.startsWith(',"user":', i)) return undefined;
  i += 8;
  let end: number;
  // While every field is read by the exact sub-scanners, the record is built directly (the same
  // fields and key order as recordFromObject), without an intermediate Event object.
  let exact = true;
  let user = userAt(s, i);
  if (user) end = strEnd;
  else {
    exact = false;
    end = valueEnd(s, i);
    if (end < 0) return undefined;
    user = JSON.parse(s.slice(i, end)) as Record<string, unknown>;
  }
  i = end;
  let imp: unknown;
  if (s.startsWith(',"impersonatedUser":', i)) {
    end = valueEnd(s, i + 20);
    if (end < 0) return undefined;
    exact = false;
    imp = JSON.parse(s.slice(i + 20, end));
    i = end;
  }
  let ips: string[] | undefined;
  if (s.startsWith(',"sourceIPs":[', i)) {
    const arr = stringArray(s, i + 13);
    if (arr) end = strEnd;
    else {
      exact = false;
      end = valueEnd(s, i + 13);
      if (end < 0) return undefined;
    }
    ips = arr ?? (JSON.parse(s.slice(i + 13, end)) as string[]);
    i = end;
  }
  let ua: string | undefined;
  if (s.startsWith(',"userAgent":', i)) {
    ua = strAt(s, i + 13);
    if (ua === undefined) return undefined;
    i = strEnd;
  }
  let ref: unknown;
  if (s.startsWith(',"objectRef":', i)) {
    ref = flatStrings(s, i + 13);
    if (ref) end = strEnd;
    else {
      exact = false;
      end = valueEnd(s, i + 13);
      if (end < 0) return undefined;
      ref = JSON.parse(s.slice(i + 13, end));
    }
    i = end;
  }
  let status: unknown;
  let code: number | undefined;
  if (s.startsWith(',"responseStatus":', i)) {
    end = valueEnd(s, i + 18);
    if (end < 0) return undefined;
    const c = s.lastIndexOf('"code":', end);
    const digits = c > i ? s.slice(c + 7, end - 1) : '';
    const before = s.charCodeAt(c - 1);
    if (isCode(digits) && (before === 44 || before === 123)) code = Number(digits);
    else {
      exact = false;
      status = JSON.parse(s.slice(i + 18, end));
    }
    i = end;
  }
  let hasReq = false;
  let bodies = 0;
  while (s.startsWith(',"requestObject":', i) || s.startsWith(',"responseObject":', i)) {
    const isReq = s.charCodeAt(i + 4) === 113; // ,"re[q]uestObject" vs ,"re[s]ponseObject"
    const v = i + (isReq ? 17 : 18);
    if (s.startsWith('null', v)) {
      i = v + 4;
      continue;
    }
    if (bodies++ > 0) return undefined;
    if (isReq) hasReq = true;
    let t = -1;
    for (const k of TAIL_KEYS) {
      t = s.lastIndexOf(k);
      if (t > v) break;
    }
    if (t <= v) return undefined;
    i = t;
  }
  let tRecv: string | undefined;
  if (s.startsWith(',"requestReceivedTimestamp":', i)) {
    tRecv = strAt(s, i + 28);
    if (tRecv === undefined) return undefined;
    i = strEnd;
  }
  let tStage: string | undefined;
  if (s.startsWith(',"stageTimestamp":', i)) {
    tStage = strAt(s, i + 18);
    if (tStage === undefined) return undefined;
    i = strEnd;
  }
  let decision: string | undefined;
  if (s.startsWith(',"annotations":', i)) {
    end = valueEnd(s, i + 15);
    if (end < 0 || s.charCodeAt(i + 15) !== 123) return undefined;
    const d = s.indexOf(DECISION_KEY, i + 15);
    if (d > 0 && d < end) {
      const before = s.charCodeAt(d - 1);
      if (before !== 44 && before !== 123) return undefined;
      decision = strAt(s, d + DECISION_KEY.length - 1);
    }
    i = end;
  }
  if (s.charCodeAt(i) !== 125 || skipWs(s, i + 1) !== s.length) return undefined;
  if (exact) {
    if (!auditID) return undefined;
    const u = user as { username: string; groups?: string[] };
    const rec: AuditRecord = {
      auditID,
      stage,
      level,
      verb,
      user: u.username,
      groups: u.groups ?? [],
      requestURI: redactRequestUri(uri),
      time: parseTime(tRecv ?? tStage ?? tLegacy),
      hasRequestObject: hasReq,
    };
    if (ips !== undefined && ips.length > 0) rec.sourceIP = ips[0]!;
    if (ua !== undefined) rec.userAgent = ua;
    if (ref !== undefined) {
      const o = ref as Record<string, string | undefined>;
      for (const k of REF_ORDER) {
        const val = o[k];
        if (val !== undefined && val !== '') rec[k] = val;
      }
    }
    if (code !== undefined) rec.code = code;
    if (decision !== undefined) rec.decision = decision;
    if (hasReq && needsBody(rec)) return undefined;
    return rec;
  }
  const ann = decision === undefined ? undefined : { 'authorization.k8s.io/decision': decision };
  const rec = recordFromObject({
    auditID,
    verb,
    stage,
    level,
    requestURI: uri,
    userAgent: ua,
    requestReceivedTimestamp: tRecv,
    stageTimestamp: tStage,
    timestamp: tLegacy,
    user,
    impersonatedUser: imp,
    objectRef: ref,
    responseStatus: code !== undefined ? { code } : status,
    annotations: ann,
    sourceIPs: ips,
  });
  if (!rec) return undefined;
  rec.hasRequestObject = hasReq;
  if (hasReq && needsBody(rec)) return undefined;
  return rec;
}

function scan(s: string): AuditRecord | undefined {
  let i = skipWs(s, 0);
  if (s.charCodeAt(i) !== 123) return undefined;
  i++;
  let auditID: string | undefined;
  let verb: string | undefined;
  let stage: string | undefined;
  let level: string | undefined;
  let uri: string | undefined;
  let ua: string | undefined;
  let tRecv: string | undefined;
  let tStage: string | undefined;
  let tLegacy: string | undefined;
  let user: Record<string, unknown> | undefined;
  let imp: Record<string, unknown> | undefined;
  let ref: Record<string, unknown> | undefined;
  let status: Record<string, unknown> | undefined;
  let ann: Record<string, unknown> | undefined;
  let ips: unknown;
  let hasReq = false;
  let jumped = false;
  let canonical = true;
  let lastRank = -1;
  const n = s.length;
  for (;;) {
    i = skipWs(s, i);
    if (s.charCodeAt(i) === 125) {
      i++;
      break;
    }
    if (s.charCodeAt(i) !== 34) return undefined;
    const ke = stringEnd(s, i);
    if (ke < 0) return undefined;
    const key = readString(s, i, ke);
    i = skipWs(s, ke);
    if (s.charCodeAt(i) !== 58) return undefined;
    i = skipWs(s, i + 1);
    const rank = CANONICAL[key];
    if (rank !== undefined) {
      if (rank < lastRank) canonical = false;
      lastRank = rank;
    }
    const c = s.charCodeAt(i);
    let end: number;
    if (key === 'requestObject' || key === 'responseObject') {
      if (s.startsWith('null', i)) {
        end = i + 4;
      } else {
        // Jump over the bodies to the first top-level key that follows them in canonical order.
        if (!canonical || jumped) return undefined;
        if (key === 'requestObject') hasReq = true;
        let t = -1;
        for (const k of TAIL_KEYS) {
          t = s.lastIndexOf(k);
          if (t > i) break;
        }
        if (t <= i) return undefined;
        jumped = true;
        lastRank = CANONICAL['responseObject']!;
        i = t + 1;
        continue;
      }
    } else if (c === 34) {
      end = stringEnd(s, i);
      if (end < 0) return undefined;
      switch (key) {
        case 'kind':
          if (readString(s, i, end) !== 'Event') return undefined;
          break;
        case 'auditID':
          auditID = readString(s, i, end);
          break;
        case 'verb':
          verb = readString(s, i, end);
          break;
        case 'stage':
          stage = readString(s, i, end);
          break;
        case 'level':
          level = readString(s, i, end);
          break;
        case 'requestURI':
          uri = readString(s, i, end);
          break;
        case 'userAgent':
          ua = readString(s, i, end);
          break;
        case 'requestReceivedTimestamp':
          tRecv = readString(s, i, end);
          break;
        case 'stageTimestamp':
          tStage = readString(s, i, end);
          break;
        case 'timestamp':
          tLegacy = readString(s, i, end);
          break;
        default:
          break;
      }
    } else {
      end = valueEnd(s, i);
      if (end < 0) return undefined;
      switch (key) {
        case 'kind':
          return undefined;
        case 'user':
          user = JSON.parse(s.slice(i, end)) as Record<string, unknown>;
          break;
        case 'impersonatedUser':
          imp = JSON.parse(s.slice(i, end)) as Record<string, unknown>;
          break;
        case 'objectRef':
          ref = JSON.parse(s.slice(i, end)) as Record<string, unknown>;
          break;
        case 'responseStatus':
          status = JSON.parse(s.slice(i, end)) as Record<string, unknown>;
          break;
        case 'annotations':
          ann = JSON.parse(s.slice(i, end)) as Record<string, unknown>;
          break;
        case 'sourceIPs':
          ips = JSON.parse(s.slice(i, end));
          break;
        case 'auditID':
        case 'verb':
          return undefined;
        default:
          break;
      }
    }
    i = skipWs(s, end);
    const sep = s.charCodeAt(i);
    if (sep === 44) {
      i++;
      continue;
    }
    if (sep === 125) {
      i++;
      break;
    }
    return undefined;
  }
  // Only whitespace may follow the top-level object.
  if (skipWs(s, i) !== n) return undefined;
  const e: Record<string, unknown> = {
    auditID,
    verb,
    stage,
    level,
    requestURI: uri,
    userAgent: ua,
    requestReceivedTimestamp: tRecv,
    stageTimestamp: tStage,
    timestamp: tLegacy,
    user,
    impersonatedUser: imp,
    objectRef: ref,
    responseStatus: status,
    annotations: ann,
    sourceIPs: ips,
  };
  const rec = recordFromObject(e);
  if (!rec) return undefined;
  rec.hasRequestObject = hasReq;
  // A body the checks need is read by the reference path.
  if (hasReq && needsBody(rec)) return undefined;
  return rec;
}
