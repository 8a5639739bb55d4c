/**
 * Types of the audit-log source. An AuditRecord is the slim projection of one audit.k8s.io Event:
 * only the fields the checks need. Request and response bodies never reach it; the few body fields
 * some checks need (a binding's roleRef and subjects, a pod's privileged flags) are extracted into
 * `body` by the parser and everything else is dropped.
 */

/** Stage rank: a later stage is a more complete record of the same request. */
export const STAGE_RANK: Record<string, number> = {
  RequestReceived: 0,
  ResponseStarted: 1,
  ResponseComplete: 2,
  Panic: 2,
};

export interface BindingBody {
  kind: 'binding';
  roleRefKind?: string;
  roleRefName?: string;
  /** `Kind/namespace/name` or `Kind/name`, capped. */
  subjects: string[];
}

export interface PodBody {
  kind: 'pod';
  /** Which risky pod settings the request object sets: privileged, hostPID, hostIPC, hostNetwork. */
  flags: string[];
}

export type ExtractedBody = BindingBody | PodBody;

export interface AuditRecord {
  auditID: string;
  stage: string;
  level: string;
  verb: string;
  user: string;
  groups: string[];
  impersonatedUser?: string;
  sourceIP?: string;
  userAgent?: string;
  /** Redacted request URI (query values outside an allow-list are replaced). */
  requestURI: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  code?: number;
  /** `authorization.k8s.io/decision` annotation: allow | forbid. */
  decision?: string;
  /** Request time (requestReceivedTimestamp, else stageTimestamp, else timestamp), epoch ms; NaN when absent. */
  time: number;
  /** Whether the event carried a requestObject (logged at Request level or above). */
  hasRequestObject: boolean;
  body?: ExtractedBody;
}

/** Where a record came from. */
export interface RecordOrigin {
  file: string;
  /** 1-based line for JSON-lines input. */
  line?: number;
  /** JSON pointer for single-document input (`/items/3`). */
  pointer?: string;
}

/** A bounded sample of one event kept as evidence: redacted fields only, never a body. */
export interface SampleEvent {
  origin: RecordOrigin;
  auditID: string;
  time?: string;
  stage: string;
  level: string;
  verb: string;
  user: string;
  impersonatedUser?: string;
  sourceIP?: string;
  userAgent?: string;
  requestURI: string;
  resource?: string;
  namespace?: string;
  name?: string;
  code?: number;
  decision?: string;
  detail?: string;
}

/** Tunables of the checks; every field has a default (see DEFAULT_OPTIONS). */
export interface AuditOptions {
  /** A gap longer than this between events (or the window's ends) fails the coverage check. */
  gapHours: number;
  /** 401/403 responses for one principal and source IP within `burstWindowMinutes` that make a burst. */
  burstThreshold: number;
  burstWindowMinutes: number;
  /** Sample events kept per finding. */
  sampleCap: number;
  /** Principals expected to read Secrets (glob with a trailing `*`). */
  expectedSecretReaders: string[];
  /** Non-resource paths anonymous users may reach by default (RBAC system:public-info-viewer). */
  publicPaths: string[];
  /** Bounds on the aggregation maps (constant memory). */
  maxPrincipals: number;
  maxPending: number;
  /** How many recent final auditIDs are remembered to drop duplicates (hashed: ~40 bytes each). */
  dedupeWindow: number;
  /** Longest JSON line read; longer lines are counted malformed. */
  maxLineBytes: number;
  /** Largest pretty-printed (non JSON-lines) document read whole, bytes. */
  maxDocumentBytes: number;
  /**
   * Worker threads for one large JSON-lines file; 1 (the default) reads on the calling thread. Each
   * worker adds its own heap (~60-90 MB) and ~0.5 s start-up, so 2 pays off only on an idle multi-core host.
   */
  workers: number;
  /** Files smaller than this are read on the calling thread. */
  parallelMinBytes: number;
  /** Disable the string-scanning fast path (every line through JSON.parse). */
  slowPathOnly: boolean;
}

export const DEFAULT_OPTIONS: AuditOptions = {
  gapHours: 1,
  burstThreshold: 20,
  burstWindowMinutes: 5,
  sampleCap: 20,
  expectedSecretReaders: [
    'system:serviceaccount:kube-system:*',
    'system:kube-controller-manager',
    'system:kube-scheduler',
    'system:apiserver',
    'system:node:*',
  ],
  publicPaths: ['/healthz', '/livez', '/readyz', '/version', '/version/'],
  maxPrincipals: 2000,
  maxPending: 20_000,
  dedupeWindow: 500_000,
  maxLineBytes: 16 * 1024 * 1024,
  maxDocumentBytes: 64 * 1024 * 1024,
  slowPathOnly: false,
  workers: 1,
  parallelMinBytes: 64 * 1024 * 1024,
};
