/**
 * Streaming aggregation of audit records into an AuditSummary. Pure (no I/O) and bounded: every map
 * has a cap, samples are capped per check, so memory does not grow with the log's size.
 *
 * A request is counted once per auditID: RequestReceived / ResponseStarted events wait in a bounded
 * pending map until their ResponseComplete or Panic event arrives; whatever is still pending at the
 * end is counted from its most complete stage. A bounded window of recent final auditIDs drops
 * duplicates (the same file given twice, overlapping rotated copies).
 */
import type { AuditOptions, AuditRecord, RecordOrigin, SampleEvent } from './types.ts';
import { STAGE_RANK } from './types.ts';

export interface Tally {
  count: number;
  samples: SampleEvent[];
}

export interface PrincipalCount {
  principal: string;
  count: number;
  /** human | service-account | unexpected-service-account | expected | system | anonymous. */
  class?: string;
  detail?: string;
}

export interface AuthFailureBurst {
  principal: string;
  sourceIP: string;
  /** Windows of `burstWindowMinutes` with at least `burstThreshold` 401/403 responses. */
  windows: number;
  maxInWindow: number;
  total: number;
}

export interface Gap {
  from: string;
  to: string;
  /** Lower bound of the gap in hours (bucket resolution). */
  hours: number;
}

/** Everything the checks need, as plain data (JSON-serialisable, bounded). */
export interface AuditSummary {
  stats: {
    lines: number;
    events: number;
    requests: number;
    malformed: number;
    duplicates: number;
    outOfWindow: number;
    noTimestamp: number;
    firstTimestamp?: string;
    lastTimestamp?: string;
    fastPath: number;
    slowPath: number;
  };
  window: { from?: string; to?: string };
  options: AuditOptions;
  notes: string[];
  levels: Record<string, number>;
  verbs: Record<string, number>;
  bucketMinutes: number;
  gaps: Gap[];
  gapCount: number;
  anonymous: { allowedRisky: Tally; allowedPublic: number; denied: Tally; bySourceIP: PrincipalCount[] };
  secretReads: {
    total: number;
    denied: number;
    flagged: Tally;
    byPrincipal: PrincipalCount[];
    principals: number;
  };
  exec: { tally: Tally; byKind: Record<string, number>; byPrincipal: PrincipalCount[] };
  rbacChanges: { tally: Tally; byResourceVerb: Record<string, number>; byPrincipal: PrincipalCount[] };
  clusterAdminGrants: { tally: Tally; unseenBindingWrites: number };
  impersonation: { tally: Tally; denied: number; pairs: PrincipalCount[] };
  authFailures: { total: number; bursts: AuthFailureBurst[]; samples: SampleEvent[] };
  privilegedPods: { tally: Tally; byFlag: Record<string, number>; unseenPodWrites: number };
  webhookChanges: { tally: Tally; byResourceVerb: Record<string, number> };
  /** Exercised permissions per user and per group: `verb|apiGroup|resource[/subresource]` keys, capped. */
  usage: { users: Record<string, string[]>; groups: Record<string, string[]>; truncated: boolean };
}

const RBAC_RESOURCES = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);
const RBAC_WRITE = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const WEBHOOK_RESOURCES = new Set([
  'mutatingwebhookconfigurations',
  'validatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
]);
const SECRET_READ = new Set(['get', 'list', 'watch']);
const SESSION_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);
const POD_WRITE = new Set(['create', 'update', 'patch']);
const USAGE_KEYS_PER_PRINCIPAL = 200;

/**
 * A copy of `s` that shares no memory with the line it was cut from. V8 keeps a substring's parent
 * alive, so a key stored for the whole run would otherwise pin its whole input line.
 */
export function flat(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

/** The two halves of the last hashId() result (module state: no allocation per event). */
let H1 = 0;
let H2 = 0;

/** 53-bit hash of an auditID (cyrb53) into H1 (32 bits) and H2 (21 bits, never 0). */
function hashId(id: string): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const ch = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  H1 = h1 >>> 0;
  H2 = (h2 & 2097151) | 1;
}

/** 53-bit numeric key of an auditID (the pending map's key). */
export function idHash(id: string): number {
  hashId(id);
  return H2 * 4294967296 + H1;
}

/**
 * The auditIDs of recent final events, hashed, in two open-addressing tables of typed arrays
 * (no allocation per event): when the current table holds half the window it becomes the previous
 * one, so between window/2 and window recent ids are remembered.
 */
class IdWindow {
  private cur: Uint32Array;
  private prev: Uint32Array;
  private count = 0;
  private readonly half: number;
  private readonly mask: number;
  constructor(window: number) {
    this.half = Math.max(1024, Math.ceil(window / 2));
    let slots = 1;
    while (slots < this.half * 2) slots *= 2;
    this.mask = slots - 1;
    this.cur = new Uint32Array(slots * 2);
    this.prev = new Uint32Array(slots * 2);
  }
  private static find(t: Uint32Array, mask: number, a: number, b: number): number {
    let i = (a ^ (b * 31)) & mask;
    for (;;) {
      const k = t[i * 2 + 1]!;
      if (k === 0 || (k === b && t[i * 2] === a)) return i;
      i = (i + 1) & mask;
    }
  }
  has(a: number, b: number): boolean {
    return (
      this.cur[IdWindow.find(this.cur, this.mask, a, b) * 2 + 1] !== 0 ||
      this.prev[IdWindow.find(this.prev, this.mask, a, b) * 2 + 1] !== 0
    );
  }
  add(a: number, b: number): void {
    if (this.count >= this.half) {
      const t = this.prev;
      this.prev = this.cur;
      t.fill(0);
      this.cur = t;
      this.count = 0;
    }
    const i = IdWindow.find(this.cur, this.mask, a, b);
    if (this.cur[i * 2 + 1] === 0) {
      this.cur[i * 2] = a;
      this.cur[i * 2 + 1] = b;
      this.count++;
    }
  }
  /** Every remembered id as [h1, h2, h1, h2...]. */
  pairs(): number[] {
    const out: number[] = [];
    for (const t of [this.prev, this.cur]) {
      for (let i = 0; i < t.length; i += 2) if (t[i + 1] !== 0) out.push(t[i]!, t[i + 1]!);
    }
    return out;
  }
}
const TOP = 50;

/** The API's answer: denied (401/403 or an authorizer "forbid"), succeeded, or not known. */
export function outcome(r: AuditRecord): 'denied' | 'succeeded' | 'failed' | 'unknown' {
  if (r.code === 401 || r.code === 403 || r.decision === 'forbid') return 'denied';
  if (r.code !== undefined) return r.code < 400 ? 'succeeded' : 'failed';
  return r.decision === 'allow' ? 'succeeded' : 'unknown';
}

export function isAnonymous(r: Pick<AuditRecord, 'user' | 'groups'>): boolean {
  return r.user === 'system:anonymous' || r.groups.includes('system:unauthenticated');
}

function globMatch(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}

/** Classifies a principal for the Secret-read check. */
export function principalClass(user: string, expected: string[]): string {
  if (user === 'system:anonymous' || user === '') return 'anonymous';
  if (expected.some((p) => globMatch(p, user))) return 'expected';
  if (user.startsWith('system:serviceaccount:')) return 'unexpected-service-account';
  if (user.startsWith('system:')) return 'system';
  return 'human';
}

class SampleTally {
  count = 0;
  readonly samples: SampleEvent[] = [];
  private readonly cap: number;
  constructor(cap: number) {
    this.cap = cap;
  }
  add(r: AuditRecord, origin: RecordOrigin, detail?: string): void {
    this.count++;
    if (this.samples.length < this.cap) this.samples.push(toSample(r, origin, detail));
  }
  toJSON(): Tally {
    return { count: this.count, samples: this.samples };
  }
  merge(t: Tally): void {
    this.count += t.count;
    for (const x of t.samples) if (this.samples.length < this.cap) this.samples.push(x);
  }
}

/** A counter map that stops taking new keys at its cap (counting what it refused). */
class CappedCounter {
  readonly map = new Map<string, number>();
  overflow = 0;
  private readonly cap: number;
  constructor(cap: number) {
    this.cap = cap;
  }
  add(key: string, n = 1): boolean {
    const cur = this.map.get(key);
    if (cur !== undefined) this.map.set(key, cur + n);
    else if (this.map.size < this.cap) this.map.set(flat(key), n);
    else {
      this.overflow += n;
      return false;
    }
    return true;
  }
  top(n: number): [string, number][] {
    return [...this.map.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
  }
  export(): CounterState {
    return { map: this.map, overflow: this.overflow };
  }
  merge(c: CounterState): void {
    for (const [k, n] of c.map) this.add(k, n);
    this.overflow += c.overflow;
  }
  record(): Record<string, number> {
    return Object.fromEntries([...this.map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  }
}

export function toSample(r: AuditRecord, origin: RecordOrigin, detail?: string): SampleEvent {
  const s: SampleEvent = {
    origin,
    auditID: r.auditID,
    stage: r.stage,
    level: r.level,
    verb: r.verb,
    user: r.user,
    requestURI: r.requestURI,
  };
  if (!Number.isNaN(r.time)) s.time = new Date(r.time).toISOString();
  if (r.impersonatedUser !== undefined) s.impersonatedUser = r.impersonatedUser;
  if (r.sourceIP !== undefined) s.sourceIP = r.sourceIP;
  if (r.userAgent !== undefined) s.userAgent = r.userAgent;
  if (r.resource !== undefined) s.resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  if (r.namespace !== undefined) s.namespace = r.namespace;
  if (r.name !== undefined) s.name = r.name;
  if (r.code !== undefined) s.code = r.code;
  if (r.decision !== undefined) s.decision = r.decision;
  if (detail !== undefined) s.detail = detail;
  return s;
}

export interface Pending {
  rec: AuditRecord;
  origin: RecordOrigin;
}

export interface CounterState {
  map: Map<string, number>;
  overflow: number;
}

const COUNTERS = [
  'levels',
  'verbs',
  'anonByIp',
  'secretBy',
  'execKind',
  'execBy',
  'rbacRV',
  'rbacBy',
  'impPairs',
  'authWindows',
  'privFlags',
  'hookRV',
] as const;
const TALLIES = [
  'anonRisky',
  'anonDenied',
  'secretFlagged',
  'execTally',
  'rbacTally',
  'adminTally',
  'impTally',
  'privTally',
  'hookTally',
] as const;
const SCALARS = [
  'anonPublic',
  'secretTotal',
  'secretDenied',
  'unseenBindings',
  'impDenied',
  'authFailTotal',
  'unseenPods',
] as const;

/**
 * What one aggregator hands to another (a worker thread's share of a file): structured-clonable.
 * Sample origins carry line numbers relative to the worker's range until the receiver shifts them.
 */
export interface AggregatorState {
  stats: AuditSummary['stats'];
  notes: string[];
  first: number;
  last: number;
  pending: [number, Pending][];
  /** Hashed final auditIDs as [h1, h2, h1, h2...]. */
  finals: number[];
  buckets: number[];
  counters: Record<(typeof COUNTERS)[number], CounterState>;
  tallies: Record<(typeof TALLIES)[number], Tally>;
  scalars: Record<(typeof SCALARS)[number], number>;
  secretVerbs: Map<string, Set<string>>;
  authSamples: Map<string, SampleEvent[]>;
  usersUsage: Map<string, Set<string>>;
  groupsUsage: Map<string, Set<string>>;
  usageTruncated: boolean;
}

/** Every sample and pending origin in a state, to shift line numbers. */
export function stateOrigins(st: AggregatorState): RecordOrigin[] {
  const out: RecordOrigin[] = [];
  for (const t of Object.values(st.tallies)) for (const x of t.samples) out.push(x.origin);
  for (const list of st.authSamples.values()) for (const x of list) out.push(x.origin);
  for (const [, p] of st.pending) out.push(p.origin);
  return out;
}

export class AuditAggregator {
  private readonly opts: AuditOptions;
  private readonly from: number;
  private readonly to: number;
  readonly stats: AuditSummary['stats'] = {
    lines: 0,
    events: 0,
    requests: 0,
    malformed: 0,
    duplicates: 0,
    outOfWindow: 0,
    noTimestamp: 0,
    fastPath: 0,
    slowPath: 0,
  };
  private readonly window: { from?: string; to?: string } = {};
  private readonly notes = new Set<string>();
  private first = Infinity;
  private last = -Infinity;
  private readonly pending = new Map<number, Pending>();
  /** Recent final auditIDs (hashed). */
  private readonly finals: IdWindow;
  private readonly levels = new CappedCounter(20);
  private readonly verbs = new CappedCounter(50);
  private readonly bucketMs: number;
  private readonly buckets = new Set<number>();
  private static readonly MAX_BUCKETS = 300_000;
  private readonly anonRisky: SampleTally;
  private anonPublic = 0;
  private readonly anonDenied: SampleTally;
  private readonly anonByIp: CappedCounter;
  private secretTotal = 0;
  private secretDenied = 0;
  private readonly secretFlagged: SampleTally;
  private readonly secretBy: CappedCounter;
  private readonly secretVerbs = new Map<string, Set<string>>();
  private readonly execTally: SampleTally;
  private readonly execKind = new CappedCounter(10);
  private readonly execBy: CappedCounter;
  private readonly rbacTally: SampleTally;
  private readonly rbacRV = new CappedCounter(100);
  private readonly rbacBy: CappedCounter;
  private readonly adminTally: SampleTally;
  private unseenBindings = 0;
  private readonly impTally: SampleTally;
  private impDenied = 0;
  private readonly impPairs: CappedCounter;
  private authFailTotal = 0;
  private readonly authWindows: CappedCounter;
  private readonly authSamples = new Map<string, SampleEvent[]>();
  private readonly privTally: SampleTally;
  private readonly privFlags = new CappedCounter(10);
  private unseenPods = 0;
  private readonly hookTally: SampleTally;
  private readonly hookRV = new CappedCounter(50);
  private readonly usersUsage = new Map<string, Set<string>>();
  private readonly groupsUsage = new Map<string, Set<string>>();
  private usageTruncated = false;

  constructor(opts: AuditOptions, period?: { from?: Date; to?: Date }) {
    this.opts = opts;
    this.finals = new IdWindow(opts.dedupeWindow);
    this.from = period?.from ? period.from.getTime() : -Infinity;
    this.to = period?.to ? period.to.getTime() : Infinity;
    if (period?.from) this.window.from = period.from.toISOString();
    if (period?.to) this.window.to = period.to.toISOString();
    this.bucketMs = Math.max(60_000, Math.min(5 * 60_000, Math.floor((opts.gapHours * 3_600_000) / 4)));
    const cap = opts.sampleCap;
    this.anonRisky = new SampleTally(cap);
    this.anonDenied = new SampleTally(cap);
    this.anonByIp = new CappedCounter(opts.maxPrincipals);
    this.secretFlagged = new SampleTally(cap);
    this.secretBy = new CappedCounter(opts.maxPrincipals);
    this.execTally = new SampleTally(cap);
    this.execBy = new CappedCounter(opts.maxPrincipals);
    this.rbacTally = new SampleTally(cap);
    this.rbacBy = new CappedCounter(opts.maxPrincipals);
    this.adminTally = new SampleTally(cap);
    this.impTally = new SampleTally(cap);
    this.impPairs = new CappedCounter(opts.maxPrincipals);
    this.authWindows = new CappedCounter(opts.maxPrincipals * 25);
    this.privTally = new SampleTally(cap);
    this.hookTally = new SampleTally(cap);
  }

  note(text: string): void {
    this.notes.add(text);
  }

  /** One event parsed from the input (any stage). */
  add(rec: AuditRecord, origin: RecordOrigin): void {
    this.stats.events++;
    if (Number.isNaN(rec.time)) this.stats.noTimestamp++;
    else if (rec.time < this.from || rec.time > this.to) {
      this.stats.outOfWindow++;
      return;
    }
    this.accept(rec, origin);
  }

  /** An event inside the window: dedupe by auditID, count final stages, hold earlier ones open. */
  private accept(rec: AuditRecord, origin: RecordOrigin): void {
    const rank = STAGE_RANK[rec.stage] ?? 2;
    const id = idHash(rec.auditID);
    const a = H1;
    const b = H2;
    if (this.finals.has(a, b)) {
      this.stats.duplicates++;
      return;
    }
    if (rank >= 2) {
      if (this.pending.size > 0) this.pending.delete(id);
      this.finals.add(a, b);
      this.count(rec, origin);
      return;
    }
    const prev = this.pending.get(id);
    if (prev) {
      this.stats.duplicates++;
      if ((STAGE_RANK[prev.rec.stage] ?? 0) >= rank) return;
      this.pending.delete(id);
    }
    this.pending.set(id, { rec, origin });
    if (this.pending.size > this.opts.maxPending) {
      // Evict the oldest incomplete request: count it now from what was seen.
      const oldest = this.pending.keys().next().value as number;
      const p = this.pending.get(oldest)!;
      this.pending.delete(oldest);
      this.markFinal(p.rec.auditID);
      this.count(p.rec, p.origin);
      this.note(
        `more than ${this.opts.maxPending} requests were open at once; some were counted before their final stage`,
      );
    }
  }

  private markFinal(auditID: string): void {
    hashId(auditID);
    this.finals.add(H1, H2);
  }

  /** Counts one request (its most complete event) into every check. */
  private count(r: AuditRecord, origin: RecordOrigin): void {
    const st = this.stats;
    st.requests++;
    if (!Number.isNaN(r.time)) {
      if (r.time < this.first) this.first = r.time;
      if (r.time > this.last) this.last = r.time;
      if (this.buckets.size < AuditAggregator.MAX_BUCKETS)
        this.buckets.add(Math.floor(r.time / this.bucketMs));
      else
        this.note(
          'the window is too long for gap detection at this resolution; later gaps were not examined',
        );
    }
    this.levels.add(r.level);
    this.verbs.add(r.verb);
    const out = outcome(r);
    const res = r.resource ? (r.subresource ? `${r.resource}/${r.subresource}` : r.resource) : undefined;

    if (out === 'succeeded' && res !== undefined) this.recordUsage(r, res);

    if (isAnonymous(r)) {
      if (out === 'denied') this.anonDenied.add(r, origin);
      else if (r.resource === undefined && this.opts.publicPaths.includes(r.requestURI.split('?')[0]!))
        this.anonPublic++;
      else {
        this.anonRisky.add(r, origin);
        this.anonByIp.add(r.sourceIP ?? '(unknown)');
      }
    }

    if (r.resource === 'secrets' && r.subresource === undefined && SECRET_READ.has(r.verb)) {
      if (out === 'denied') this.secretDenied++;
      else if (out !== 'failed') {
        this.secretTotal++;
        this.secretBy.add(r.user);
        let verbs = this.secretVerbs.get(r.user);
        if (!verbs && this.secretVerbs.size < this.opts.maxPrincipals) {
          verbs = new Set();
          this.secretVerbs.set(flat(r.user), verbs);
        }
        if (verbs && !verbs.has(r.verb)) verbs.add(flat(r.verb));
        const cls = principalClass(r.user, this.opts.expectedSecretReaders);
        if (cls === 'human' || cls === 'unexpected-service-account' || cls === 'anonymous') {
          this.secretFlagged.add(r, origin, cls);
        }
      }
    }

    if (r.resource === 'pods' && r.subresource !== undefined && SESSION_SUBRESOURCES.has(r.subresource)) {
      if (out === 'succeeded' || out === 'unknown') {
        this.execTally.add(r, origin);
        this.execKind.add(r.subresource);
        this.execBy.add(r.user);
      }
    }

    const succeeded = out === 'succeeded';
    if (
      r.resource !== undefined &&
      RBAC_RESOURCES.has(r.resource) &&
      RBAC_WRITE.has(r.verb) &&
      !r.subresource
    ) {
      if (succeeded) {
        this.rbacTally.add(r, origin);
        this.rbacRV.add(`${r.resource} ${r.verb}`);
        this.rbacBy.add(r.user);
        if (
          (r.resource === 'rolebindings' || r.resource === 'clusterrolebindings') &&
          POD_WRITE.has(r.verb)
        ) {
          const b = r.body?.kind === 'binding' ? r.body : undefined;
          const defaultAdminBinding = r.resource === 'clusterrolebindings' && r.name === 'cluster-admin';
          if (b?.roleRefName === 'cluster-admin' || (defaultAdminBinding && r.verb !== 'create')) {
            const to = b && b.subjects.length > 0 ? ` to ${b.subjects.join(', ')}` : '';
            this.adminTally.add(r, origin, `roleRef ${b?.roleRefKind ?? 'ClusterRole'}/cluster-admin${to}`);
          } else if (!b) this.unseenBindings++;
        }
      }
    }

    if (r.impersonatedUser !== undefined) {
      if (out === 'denied') this.impDenied++;
      else {
        this.impTally.add(r, origin);
        this.impPairs.add(`${r.user} as ${r.impersonatedUser}`);
      }
    }

    if (r.code === 401 || r.code === 403) {
      this.authFailTotal++;
      const who = `${r.user}\u0000${r.sourceIP ?? ''}`;
      const w = Number.isNaN(r.time) ? -1 : Math.floor(r.time / (this.opts.burstWindowMinutes * 60_000));
      this.authWindows.add(`${who}\u0000${w}`);
      let list = this.authSamples.get(who);
      if (!list && this.authSamples.size < this.opts.maxPrincipals) {
        list = [];
        this.authSamples.set(flat(who), list);
      }
      if (list && list.length < 3) list.push(toSample(r, origin));
    }

    if (r.resource !== undefined && POD_WRITE.has(r.verb) && !r.subresource && succeeded) {
      const b = r.body?.kind === 'pod' ? r.body : undefined;
      if (b && b.flags.length > 0) {
        this.privTally.add(r, origin, b.flags.join(', '));
        for (const f of b.flags) this.privFlags.add(f);
      } else if (!b && r.resource === 'pods' && r.verb === 'create') this.unseenPods++;
    }

    if (
      r.resource !== undefined &&
      WEBHOOK_RESOURCES.has(r.resource) &&
      RBAC_WRITE.has(r.verb) &&
      succeeded
    ) {
      this.hookTally.add(r, origin);
      this.hookRV.add(`${r.resource} ${r.verb}`);
    }
  }

  private recordUsage(r: AuditRecord, res: string): void {
    const key = `${r.verb}|${r.apiGroup ?? ''}|${res}`;
    const bump = (m: Map<string, Set<string>>, who: string) => {
      let s = m.get(who);
      if (!s) {
        if (m.size >= this.opts.maxPrincipals) {
          this.usageTruncated = true;
          return;
        }
        s = new Set();
        m.set(flat(who), s);
      }
      if (s.has(key)) return;
      if (s.size < USAGE_KEYS_PER_PRINCIPAL) s.add(flat(key));
      else this.usageTruncated = true;
    };
    bump(this.usersUsage, r.user);
    for (const g of r.groups) bump(this.groupsUsage, g);
  }

  /** This aggregator's state, for merging into another (see merge). Call instead of finish(). */
  exportState(): AggregatorState {
    return {
      stats: { ...this.stats },
      notes: [...this.notes],
      first: this.first,
      last: this.last,
      pending: [...this.pending.entries()],
      finals: this.finals.pairs(),
      buckets: [...this.buckets],
      counters: Object.fromEntries(COUNTERS.map((k) => [k, this[k].export()])) as AggregatorState['counters'],
      tallies: Object.fromEntries(TALLIES.map((k) => [k, this[k].toJSON()])) as AggregatorState['tallies'],
      scalars: Object.fromEntries(SCALARS.map((k) => [k, this[k]])) as AggregatorState['scalars'],
      secretVerbs: this.secretVerbs,
      authSamples: this.authSamples,
      usersUsage: this.usersUsage,
      groupsUsage: this.groupsUsage,
      usageTruncated: this.usageTruncated,
    };
  }

  /**
   * Merges the state of an aggregator that read the next part of the input (states must be merged
   * in input order, so samples keep file order). Requests still open in `st` are returned, to be
   * passed to addOpen() once every part is merged: a later part may have completed them.
   */
  merge(st: AggregatorState): Pending[] {
    for (const k of Object.keys(this.stats) as (keyof AuditSummary['stats'])[]) {
      const v = st.stats[k];
      if (typeof v === 'number') (this.stats[k] as number) += v;
    }
    for (const n of st.notes) this.notes.add(n);
    this.first = Math.min(this.first, st.first);
    this.last = Math.max(this.last, st.last);
    for (const b of st.buckets) if (this.buckets.size < AuditAggregator.MAX_BUCKETS) this.buckets.add(b);
    for (const k of COUNTERS) this[k].merge(st.counters[k]);
    for (const k of TALLIES) this[k].merge(st.tallies[k]);
    for (const k of SCALARS) this[k] += st.scalars[k];
    const mergeSets = (into: Map<string, Set<string>>, from: Map<string, Set<string>>, cap: number) => {
      for (const [who, set] of from) {
        let mine = into.get(who);
        if (!mine) {
          if (into.size >= this.opts.maxPrincipals) {
            this.usageTruncated = true;
            continue;
          }
          mine = new Set();
          into.set(who, mine);
        }
        for (const x of set) {
          if (mine.size < cap) mine.add(x);
          else if (!mine.has(x)) this.usageTruncated = true;
        }
      }
    };
    mergeSets(this.secretVerbs, st.secretVerbs, 20);
    mergeSets(this.usersUsage, st.usersUsage, USAGE_KEYS_PER_PRINCIPAL);
    mergeSets(this.groupsUsage, st.groupsUsage, USAGE_KEYS_PER_PRINCIPAL);
    this.usageTruncated ||= st.usageTruncated;
    for (const [who, list] of st.authSamples) {
      let mine = this.authSamples.get(who);
      if (!mine) {
        if (this.authSamples.size >= this.opts.maxPrincipals) continue;
        mine = [];
        this.authSamples.set(who, mine);
      }
      for (const x of list) if (mine.length < 3) mine.push(x);
    }
    for (let i = 0; i < st.finals.length; i += 2) {
      const a = st.finals[i]!;
      const b = st.finals[i + 1]!;
      // a request left open by an earlier input and completed in this part was counted there
      if (this.pending.size > 0) this.pending.delete(b * 4294967296 + a);
      if (!this.finals.has(a, b)) this.finals.add(a, b);
    }
    return st.pending.map(([, p]) => p);
  }

  /** A request left open by a merged part: counted unless another part completed it. */
  addOpen(p: Pending): void {
    hashId(p.rec.auditID);
    if (this.finals.has(H1, H2)) return;
    this.accept(p.rec, p.origin);
  }

  /** Counts the still-open requests and returns the summary. */
  finish(): AuditSummary {
    for (const p of this.pending.values()) {
      this.markFinal(p.rec.auditID);
      this.count(p.rec, p.origin);
    }
    this.pending.clear();
    const st = this.stats;
    if (Number.isFinite(this.first)) st.firstTimestamp = new Date(this.first).toISOString();
    if (Number.isFinite(this.last)) st.lastTimestamp = new Date(this.last).toISOString();
    const { gaps, gapCount } = this.findGaps();
    const byPrincipal = (c: CappedCounter, cls?: (p: string) => string, detail?: (p: string) => string) =>
      c.top(TOP).map(([principal, count]) => {
        const pc: PrincipalCount = { principal, count };
        if (cls) pc.class = cls(principal);
        const d = detail?.(principal);
        if (d) pc.detail = d;
        return pc;
      });
    for (const [name, c] of [
      ['secret readers', this.secretBy],
      ['anonymous source IPs', this.anonByIp],
      ['impersonation pairs', this.impPairs],
      ['401/403 windows', this.authWindows],
    ] as const) {
      if (c.overflow > 0)
        this.note(`${name}: more than ${c.map.size} distinct keys; ${c.overflow} requests not itemised`);
    }
    if (this.usageTruncated)
      this.note('permission usage per principal was capped; unused-grant results are partial');
    const bursts = this.findBursts();
    const burstSamples: SampleEvent[] = [];
    for (const b of bursts) {
      for (const s of this.authSamples.get(`${b.principal}\u0000${b.sourceIP}`) ?? []) {
        if (burstSamples.length < this.opts.sampleCap) burstSamples.push(s);
      }
    }
    const usage = (m: Map<string, Set<string>>) =>
      Object.fromEntries(
        [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => [k, [...v].sort()]),
      );
    return {
      stats: { ...st },
      window: { ...this.window },
      options: this.opts,
      notes: [...this.notes].sort(),
      levels: this.levels.record(),
      verbs: this.verbs.record(),
      bucketMinutes: this.bucketMs / 60_000,
      gaps,
      gapCount,
      anonymous: {
        allowedRisky: this.anonRisky.toJSON(),
        allowedPublic: this.anonPublic,
        denied: this.anonDenied.toJSON(),
        bySourceIP: byPrincipal(this.anonByIp),
      },
      secretReads: {
        total: this.secretTotal,
        denied: this.secretDenied,
        flagged: this.secretFlagged.toJSON(),
        byPrincipal: byPrincipal(
          this.secretBy,
          (p) => principalClass(p, this.opts.expectedSecretReaders),
          (p) => [...(this.secretVerbs.get(p) ?? [])].sort().join(','),
        ),
        principals: this.secretBy.map.size,
      },
      exec: {
        tally: this.execTally.toJSON(),
        byKind: this.execKind.record(),
        byPrincipal: byPrincipal(this.execBy),
      },
      rbacChanges: {
        tally: this.rbacTally.toJSON(),
        byResourceVerb: this.rbacRV.record(),
        byPrincipal: byPrincipal(this.rbacBy),
      },
      clusterAdminGrants: { tally: this.adminTally.toJSON(), unseenBindingWrites: this.unseenBindings },
      impersonation: {
        tally: this.impTally.toJSON(),
        denied: this.impDenied,
        pairs: byPrincipal(this.impPairs),
      },
      authFailures: { total: this.authFailTotal, bursts, samples: burstSamples },
      privilegedPods: {
        tally: this.privTally.toJSON(),
        byFlag: this.privFlags.record(),
        unseenPodWrites: this.unseenPods,
      },
      webhookChanges: { tally: this.hookTally.toJSON(), byResourceVerb: this.hookRV.record() },
      usage: {
        users: usage(this.usersUsage),
        groups: usage(this.groupsUsage),
        truncated: this.usageTruncated,
      },
    };
  }

  private findGaps(): { gaps: Gap[]; gapCount: number } {
    const limit = this.opts.gapHours * 3_600_000;
    const b = [...this.buckets].sort((x, y) => x - y);
    const gaps: Gap[] = [];
    let gapCount = 0;
    const push = (fromMs: number, toMs: number) => {
      if (toMs - fromMs <= limit) return;
      gapCount++;
      if (gaps.length < 50) {
        gaps.push({
          from: new Date(fromMs).toISOString(),
          to: new Date(toMs).toISOString(),
          hours: Math.round(((toMs - fromMs) / 3_600_000) * 100) / 100,
        });
      }
    };
    if (b.length === 0) return { gaps, gapCount };
    const bm = this.bucketMs;
    if (Number.isFinite(this.from)) push(this.from, b[0]! * bm);
    for (let i = 1; i < b.length; i++) push((b[i - 1]! + 1) * bm, b[i]! * bm);
    if (Number.isFinite(this.to)) push((b[b.length - 1]! + 1) * bm, this.to);
    return { gaps, gapCount };
  }

  private findBursts(): AuthFailureBurst[] {
    const per = new Map<string, AuthFailureBurst>();
    for (const [key, n] of this.authWindows.map) {
      const [principal, sourceIP] = key.split('\u0000') as [string, string, string];
      const k = `${principal}\u0000${sourceIP}`;
      let b = per.get(k);
      if (!b) {
        b = { principal, sourceIP, windows: 0, maxInWindow: 0, total: 0 };
        per.set(k, b);
      }
      b.total += n;
      if (n > b.maxInWindow) b.maxInWindow = n;
      if (n >= this.opts.burstThreshold) b.windows++;
    }
    return [...per.values()]
      .filter((b) => b.windows > 0)
      .sort((a, b) => b.total - a.total || (a.principal + a.sourceIP < b.principal + b.sourceIP ? -1 : 1))
      .slice(0, TOP);
  }
}
