import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  needsBody,
  parseTime,
  recordFromLine,
  recordFromObject,
  redactRequestUri,
} from '../../../src/sources/audit-log/extract.ts';
import { sameRecord } from '../../../src/sources/audit-log/read.ts';
import { generateLine } from '../../../bench/audit-log.ts';
import { fx, sharedDir } from './helpers.ts';

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** Every line the fast path accepts must give exactly the reference record. */
function checkAgreement(ls: string[]): { fast: number; total: number; bad: number } {
  let fast = 0;
  let bad = 0;
  for (const l of ls) {
    const a = recordFromLine(l);
    if (!a) continue;
    fast++;
    let b;
    try {
      b = recordFromObject(JSON.parse(l));
    } catch {
      b = undefined;
    }
    if (!b || !sameRecord(a, b)) bad++;
  }
  return { fast, total: ls.length, bad };
}

test('fast path agrees with JSON.parse on hand-written fixtures', (t) => {
  for (const f of ['risky.jsonl', 'clean.jsonl', 'secrets-planted.jsonl', 'malformed.jsonl']) {
    const r = checkAgreement(lines(fx(f)));
    t.is(r.bad, 0, f);
  }
  const risky = checkAgreement(lines(fx('risky.jsonl')));
  // every line of the API server's layout takes the fast path except the two whose bodies are needed
  t.is(risky.fast, risky.total - 2);
});

test('fast path agrees with JSON.parse on 20k generated realistic lines', (t) => {
  let x = 7;
  const r = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const ls = Array.from({ length: 20_000 }, (_, i) => generateLine(r, Date.UTC(2026, 10, 1) + i * 100));
  const res = checkAgreement(ls);
  t.is(res.bad, 0);
  t.true(res.fast > 19_000, `fast path taken for ${res.fast} of ${res.total}`);
});

test('fast path agrees with JSON.parse on the shared conformance logs', (t) => {
  const dir = sharedDir('fixtures/audit');
  if (!dir) {
    t.log('skipped: ../shared/fixtures not found (set KUBEPROOF_SHARED)');
    t.pass();
    return;
  }
  let fast = 0;
  for (const f of readdirSync(dir)) {
    const res = checkAgreement(lines(path.join(dir, f)));
    t.is(res.bad, 0, f);
    fast += res.fast;
  }
  t.true(fast > 30);
});

test('truncated lines and bodies in non-canonical order fall back to the reference path', (t) => {
  const l = lines(fx('risky.jsonl'))[0]!;
  for (const cut of [10, 100, l.length - 1, l.length - 20]) t.is(recordFromLine(l.slice(0, cut)), undefined);
  t.is(recordFromLine('{"kind": 0}'), undefined);
  t.is(recordFromLine('not json'), undefined);
  // sorted keys with a body before requestURI/user (Falco traces): must not skip those fields
  const sorted = JSON.stringify({
    auditID: 'a',
    requestObject: { x: 1 },
    requestURI: '/api/v1/pods',
    stage: 'ResponseComplete',
    user: { username: 'u' },
    verb: 'list',
  });
  t.is(recordFromLine(sorted), undefined);
  t.is(recordFromObject(JSON.parse(sorted))?.user, 'u');
});

test('bodies are read only for binding and pod-spec writes, and only the needed fields', (t) => {
  t.true(needsBody({ verb: 'create', resource: 'clusterrolebindings' }));
  t.true(needsBody({ verb: 'patch', resource: 'deployments' }));
  t.false(needsBody({ verb: 'create', resource: 'secrets' }));
  t.false(needsBody({ verb: 'get', resource: 'pods' }));
  t.false(needsBody({ verb: 'create', resource: 'pods', subresource: 'exec' }));
  const rec = recordFromObject({
    auditID: 'b',
    verb: 'create',
    user: { username: 'x' },
    objectRef: { resource: 'clusterrolebindings', name: 'n' },
    requestObject: {
      roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }],
      metadata: { annotations: { secret: 'SHOULD-NOT-BE-KEPT' } },
    },
  });
  t.deepEqual(rec?.body, {
    kind: 'binding',
    subjects: ['ServiceAccount/ns/sa'],
    roleRefKind: 'ClusterRole',
    roleRefName: 'cluster-admin',
  });
  t.false(JSON.stringify(rec).includes('SHOULD-NOT-BE-KEPT'));
  const pod = recordFromObject({
    auditID: 'c',
    verb: 'create',
    user: { username: 'x' },
    objectRef: { resource: 'cronjobs', name: 'n' },
    requestObject: {
      spec: { jobTemplate: { spec: { template: { spec: { hostIPC: true, containers: [] } } } } },
    },
  });
  t.deepEqual(pod?.body, { kind: 'pod', flags: ['hostIPC'] });
});

test('request URIs: tokens and unknown query values are redacted, the first exec command kept', (t) => {
  t.is(
    redactRequestUri('/api/v1/secrets?token=abc&access_token=def&limit=5&labelSelector=app%3Dx'),
    '/api/v1/secrets?token=[REDACTED]&access_token=[REDACTED]&limit=5&labelSelector=[REDACTED]',
  );
  t.is(
    redactRequestUri('/api/v1/namespaces/a/pods/p/exec?command=mysql&command=-pS3cret&container=db'),
    '/api/v1/namespaces/a/pods/p/exec?command=mysql&command=[REDACTED]&container=db',
  );
  t.is(redactRequestUri('/healthz'), '/healthz');
});

test('timestamps: RFC 3339 with micro-seconds, seconds only, and invalid', (t) => {
  t.is(parseTime('2026-11-01T10:00:00.123456Z'), Date.UTC(2026, 10, 1, 10, 0, 0, 123));
  t.is(parseTime('2026-11-01T10:00:01Z'), Date.UTC(2026, 10, 1, 10, 0, 1));
  t.is(parseTime('2026-11-01T12:00:00+02:00'), Date.UTC(2026, 10, 1, 10, 0, 0));
  t.true(Number.isNaN(parseTime('yesterday')));
  t.true(Number.isNaN(parseTime(undefined)));
});

test('timestamps: fractions are truncated exactly to the millisecond', (t) => {
  t.is(parseTime('2026-11-01T10:00:00.57Z'), Date.UTC(2026, 10, 1, 10, 0, 0, 570));
  t.is(parseTime('2026-11-01T10:00:00.5Z'), Date.UTC(2026, 10, 1, 10, 0, 0, 500));
  t.is(parseTime('2026-11-01T10:00:00.999999999Z'), Date.UTC(2026, 10, 1, 10, 0, 0, 999));
  t.true(Number.isNaN(parseTime('2026-11-01T10:00:00.5xZ')));
  t.true(Number.isNaN(parseTime('2026-13-01T10:00:00Z')));
});

test('fast path builds canonical records directly with the reference fields and key order', (t) => {
  const head = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a-1",';
  const ts =
    '"requestReceivedTimestamp":"2026-11-01T00:00:00.123456Z","stageTimestamp":"2026-11-01T00:00:01Z"';
  const variants = [
    // no groups, empty sourceIPs, empty objectRef, no annotations
    `${head}"stage":"ResponseComplete","requestURI":"/api","verb":"get","user":{"username":"u"},"sourceIPs":[],"objectRef":{},${ts}}`,
    // empty strings in objectRef are dropped; extra skipped; uid read; decision absent
    `${head}"stage":"ResponseComplete","requestURI":"/api/v1/pods?token=abc&limit=5","verb":"list","user":{"username":"system:serviceaccount:a:b","uid":"x","groups":["g1","g2"],"extra":{"k":["v"]}},"sourceIPs":["10.0.0.1","10.0.0.2"],"objectRef":{"resource":"pods","namespace":"","name":"","apiGroup":"","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},${ts},"annotations":{"other":"x"}}`,
    // multi-byte UTF-8 and escapes in values, legacy timestamp only, a 403 with a decision
    `${head.replace(',"auditID"', ',"timestamp":"2026-11-01T00:00:00Z","auditID"')}"stage":"ResponseStarted","requestURI":"/api/v1/namespaces/caf\u00e9/secrets/s\\u00e9","verb":"get","user":{"username":"j\u00f6rg \\"the\\" admin","groups":[]},"userAgent":"kubectl/\u65e5\u672c","objectRef":{"resource":"secrets","namespace":"caf\u00e9","name":"s\\u00e9"},"responseStatus":{"metadata":{},"status":"Failure","code":403},"annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":"no"}}`,
    // a body that the checks do not need is jumped over; trailing whitespace
    `${head}"stage":"ResponseComplete","requestURI":"/api/v1/namespaces/d/configmaps","verb":"create","user":{"username":"u"},"objectRef":{"resource":"configmaps","namespace":"d","name":"c"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"data":{"k":"\\"requestReceivedTimestamp\\""}},"responseObject":null,${ts}}  `,
  ];
  for (const l of variants) {
    const fast = recordFromLine(l);
    const ref = recordFromObject(JSON.parse(l));
    t.truthy(fast, l);
    t.truthy(ref);
    t.deepEqual(Object.keys(fast!), Object.keys(ref!), 'same keys in the same order');
    t.true(sameRecord(fast!, ref!), l);
  }
  const r = recordFromLine(variants[1]!)!;
  t.is(r.requestURI, '/api/v1/pods?token=[REDACTED]&limit=5');
  t.deepEqual(r.groups, ['g1', 'g2']);
  t.is(r.sourceIP, '10.0.0.1');
  t.is(r.resource, 'pods');
  t.is(r.namespace, undefined);
  t.is(r.code, 200);
  const u = recordFromLine(variants[2]!)!;
  t.is(u.user, 'j\u00f6rg "the" admin');
  t.is(u.name, 's\u00e9');
  t.is(u.decision, 'forbid');
  t.is(u.time, Date.UTC(2026, 10, 1));
  t.is(recordFromLine(variants[3]!)!.hasRequestObject, true);
});
