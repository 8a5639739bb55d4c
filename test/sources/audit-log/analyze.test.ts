import test from 'ava';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { auditLogSource, AUDIT_RULES, isAuditLogJson } from '../../../src/sources/audit-log/index.ts';
import type { SourceOutput } from '../../../src/sources/types.ts';
import type { Finding } from '../../../src/model/types.ts';
import { ctx, fx } from './helpers.ts';

async function run(paths: string[], opts = {}, period?: { from?: Date; to?: Date }): Promise<SourceOutput> {
  const src = auditLogSource(paths, opts);
  const c = ctx(period);
  return src.normalize(await src.read(c), c);
}
const by = (out: SourceOutput, ruleId: string): Finding => {
  const f = out.findings.find((x) => x.ruleId === ruleId);
  if (!f) throw new Error(`no finding ${ruleId}`);
  return f;
};

test('risky log: every check fails or reports, with bounded, located evidence', async (t) => {
  const out = await run([fx('risky.jsonl')]);
  const status = Object.fromEntries(out.findings.map((f) => [f.ruleId, f.status]));
  t.deepEqual(status, {
    [AUDIT_RULES.webhooks]: 'fail',
    [AUDIT_RULES.anonymous]: 'fail',
    [AUDIT_RULES.authBursts]: 'fail',
    [AUDIT_RULES.clusterAdmin]: 'fail',
    [AUDIT_RULES.exec]: 'fail',
    [AUDIT_RULES.impersonation]: 'fail',
    [AUDIT_RULES.coverage]: 'pass',
    [AUDIT_RULES.levels]: 'info',
    [AUDIT_RULES.privileged]: 'fail',
    [AUDIT_RULES.rbac]: 'info',
    [AUDIT_RULES.secrets]: 'fail',
  });
  const secrets = by(out, AUDIT_RULES.secrets);
  t.is(secrets.properties?.['count'], 2);
  t.regex(secrets.message, /alice@example\.com/);
  t.regex(secrets.message, /system:serviceaccount:apps:reporter/);
  t.notRegex(secrets.message, /generic-garbage-collector/);
  const anon = by(out, AUDIT_RULES.anonymous);
  t.is(anon.properties?.['count'], 1);
  t.is(anon.properties?.['denied'], 1);
  t.is(anon.properties?.['allowedPublic'], 1);
  t.regex(by(out, AUDIT_RULES.clusterAdmin).message, /alice-admin by alice@example\.com/);
  t.regex(by(out, AUDIT_RULES.privileged).message, /hostPID \(1\), privileged \(1\)/);
  t.regex(by(out, AUDIT_RULES.authBursts).message, /mallory@example\.com from 198\.51\.100\.7 \(max 25\)/);
  t.regex(by(out, AUDIT_RULES.exec).message, /attach 1, exec 1, portforward 1/);
  // evidence: each finding has its derived aggregate and located audit events
  const ev = new Map(out.evidence.map((e) => [e.id, e]));
  for (const f of out.findings) {
    t.true(f.evidenceIds.length >= 1);
    for (const id of f.evidenceIds) t.true(ev.has(id), `${f.ruleId} → ${id}`);
  }
  const execEv = by(out, AUDIT_RULES.exec)
    .evidenceIds.slice(1)
    .map((id) => ev.get(id)!);
  t.is(execEv.length, 3);
  for (const e of execEv) {
    t.is(e.kind, 'audit-event');
    t.is(e.locator.file, fx('risky.jsonl'));
    t.true(typeof e.locator.line === 'number' && e.locator.line > 0);
    t.is(e.locator.auditIds?.length, 1);
    t.regex(e.sha256 ?? '', /^[0-9a-f]{64}$/);
  }
  t.deepEqual(out.stats, {
    lines: 58,
    requests: 58,
    malformed: 0,
    firstTimestamp: '2026-11-01T10:00:00.000Z',
    lastTimestamp: '2026-11-01T13:00:00.000Z',
    events: 58,
    duplicates: 0,
    outOfWindow: 0,
  });
  // stable ordering and ids: a second run gives identical output
  t.deepEqual(await run([fx('risky.jsonl')]), out);
});

test('sample evidence is capped per finding; counts keep the rest', async (t) => {
  const out = await run([fx('risky.jsonl')], { sampleCap: 2, burstThreshold: 10 });
  const bursts = by(out, AUDIT_RULES.authBursts);
  t.is(bursts.evidenceIds.length, 1 + 2);
  const exec = by(out, AUDIT_RULES.exec);
  t.is(exec.properties?.['count'], 3);
  t.is(exec.properties?.['samplesShown'], 2);
});

test('clean log: checks pass over a non-empty window and say so', async (t) => {
  const out = await run(
    [fx('clean.jsonl')],
    {},
    { from: new Date('2026-11-01T10:00:00Z'), to: new Date('2026-11-01T13:00:00Z') },
  );
  const statuses = new Set(
    out.findings
      .filter((f) => f.ruleId !== AUDIT_RULES.levels && f.ruleId !== AUDIT_RULES.rbac)
      .map((f) => f.status),
  );
  t.deepEqual([...statuses], ['pass']);
  t.is(
    by(out, AUDIT_RULES.anonymous).message,
    'No anonymous requests were allowed beyond public endpoints in 2026-11-01 10:00Z..2026-11-01 13:00Z (37 requests); 0 anonymous request(s) denied, 0 to public health/version endpoints.',
  );
  t.regex(by(out, AUDIT_RULES.levels).message, /Metadata 37/);
});

test('gaps longer than the threshold fail the coverage check', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kp-audit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const ls = (await readFile(fx('clean.jsonl'), 'utf8')).trimEnd().split('\n');
  // drop 11:00..12:30 (requests every 5 minutes, two events each)
  const kept = ls.filter((_l, i) => i < 24 || i >= 24 + 38);
  await writeFile(path.join(dir, 'audit.log'), kept.join('\n'));
  const out = await run([dir]);
  const cov = by(out, AUDIT_RULES.coverage);
  t.is(cov.status, 'fail');
  t.regex(cov.message, /1 gap\(s\) longer than 1 h/);
  t.is(by(await run([dir], { gapHours: 3 }), AUDIT_RULES.coverage).status, 'pass');
});

test('Metadata-only logs: body-dependent checks are skipped, never passed', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kp-audit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const line = (i: number, resource: string, uri: string) =>
    JSON.stringify({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: `id-${i}`,
      stage: 'ResponseComplete',
      requestURI: uri,
      verb: 'create',
      user: { username: 'ci@example.com', groups: ['system:authenticated'] },
      objectRef: {
        resource,
        namespace: 'a',
        name: `n${i}`,
        apiGroup: resource === 'pods' ? '' : 'rbac.authorization.k8s.io',
      },
      responseStatus: { code: 201 },
      requestReceivedTimestamp: `2026-11-01T10:0${i}:00.000000Z`,
    });
  await writeFile(
    path.join(dir, 'audit.log'),
    [
      line(1, 'pods', '/api/v1/namespaces/a/pods'),
      line(2, 'rolebindings', '/apis/rbac.authorization.k8s.io/v1/namespaces/a/rolebindings'),
    ].join('\n'),
  );
  const out = await run([dir]);
  t.is(by(out, AUDIT_RULES.privileged).status, 'skipped');
  t.is(by(out, AUDIT_RULES.clusterAdmin).status, 'skipped');
  t.regex(by(out, AUDIT_RULES.levels).message, /Request bodies are not logged/);
});

test('empty or unreadable log: every check is an error and the run is partial', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kp-audit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'audit.log'), '');
  const empty = await run([path.join(dir, 'audit.log')]);
  t.true(empty.findings.length >= 11);
  t.true(empty.findings.every((f) => f.status === 'error'));
  t.regex(
    empty.findings[0]!.message,
    /no audit events in the input \(1 file\(s\), 0 line\(s\), 0 malformed\)/,
  );
  t.is(empty.partialError, undefined);
  const missing = await run([path.join(dir, 'missing.log')]);
  t.true(missing.findings.every((f) => f.status === 'error'));
  t.regex(
    missing.findings[0]!.message,
    /no audit log could be read .*missing\.log: no such file or directory/,
  );
  t.is(missing.partialError?.code, 'audit-log-unreadable');
  // the falco {"kind": 0} negative case: a readable file with no events
  const neg = await run([fx('malformed.jsonl')], {}, { from: new Date('2030-01-01T00:00:00Z') });
  t.true(neg.findings.every((f) => f.status === 'error'));
});

test('detect() recognises audit events and event lists only', (t) => {
  t.true(isAuditLogJson({ kind: 'Event', auditID: 'a', verb: 'get' }));
  t.true(isAuditLogJson({ auditID: 'a', verb: 'get' }));
  t.true(isAuditLogJson({ kind: 'EventList', items: [] }));
  t.false(isAuditLogJson({ kind: 0 }));
  t.false(isAuditLogJson({ Controls: [] }));
  t.false(isAuditLogJson([]));
});
