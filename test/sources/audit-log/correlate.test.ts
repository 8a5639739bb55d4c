import test from 'ava';
import { readAuditLogs } from '../../../src/sources/audit-log/read.ts';
import { DEFAULT_OPTIONS } from '../../../src/sources/audit-log/types.ts';
import {
  correlateWithRbac,
  correlateWithRbacOutput,
  grantCovers,
  riskOf,
  type RbacGrant,
} from '../../../src/sources/audit-log/correlate.ts';
import { AUDIT_RULES } from '../../../src/sources/audit-log/analyze.ts';
import { fx } from './helpers.ts';

const grants: RbacGrant[] = [
  // used: alice read a Secret and exec'd into a pod
  {
    subject: { kind: 'User', name: 'alice@example.com' },
    verbs: ['get', 'list'],
    resources: ['secrets'],
    apiGroups: [''],
  },
  {
    subject: { kind: 'User', name: 'alice@example.com' },
    verbs: ['create'],
    resources: ['pods/exec'],
    apiGroups: [''],
  },
  // unused: bob never deleted deployments
  {
    subject: { kind: 'User', name: 'bob@example.com' },
    verbs: ['delete'],
    resources: ['deployments'],
    apiGroups: ['apps'],
  },
  // used through a wildcard by a service account
  {
    subject: { kind: 'ServiceAccount', namespace: 'apps', name: 'reporter' },
    verbs: ['*'],
    resources: ['*'],
    apiGroups: ['*'],
  },
  // group grant: used by alice, who is in system:authenticated (system group: not listed as unused)
  {
    subject: { kind: 'Group', name: 'system:authenticated' },
    verbs: ['create'],
    resources: ['selfsubjectreviews'],
    apiGroups: ['authentication.k8s.io'],
  },
  // system subject, unused: ignored for the unused list
  {
    subject: { kind: 'User', name: 'system:kube-proxy' },
    verbs: ['list'],
    resources: ['endpoints'],
    apiGroups: [''],
  },
];

test('unused grants and exercised risky grants', async (t) => {
  const { summary } = await readAuditLogs([fx('risky.jsonl')], DEFAULT_OPTIONS);
  const { findings, evidence } = correlateWithRbacOutput(summary, grants, new Date('2026-11-23T00:00:00Z'));
  t.deepEqual(
    findings.map((f) => f.ruleId),
    [AUDIT_RULES.riskyGrantsUsed, AUDIT_RULES.unusedGrants],
  );
  const unused = findings[1]!;
  t.is(unused.status, 'manual');
  t.regex(unused.message, /^1 of 4 grant\(s\) to non-system subjects were not used/);
  const unusedEv = evidence.find((e) => e.id === unused.evidenceIds[0])!;
  t.deepEqual((unusedEv.excerpt as { unused: unknown[] }).unused, [
    { subject: 'User/bob@example.com', verbs: 'delete', resources: 'deployments', apiGroups: 'apps' },
  ]);
  const risky = findings[0]!;
  t.is(risky.status, 'info');
  t.regex(risky.message, /3 risky grant\(s\) were exercised/);
  t.regex(risky.message, /ServiceAccount\/apps\/reporter \(all verbs on all resources\)/);
  t.deepEqual(correlateWithRbac(summary, grants, new Date('2026-11-23T00:00:00Z')), findings);
});

test('every grant used → pass; empty window → error', async (t) => {
  const { summary } = await readAuditLogs([fx('risky.jsonl')], DEFAULT_OPTIONS);
  const f = correlateWithRbac(summary, grants.slice(0, 2));
  t.is(f.find((x) => x.ruleId === AUDIT_RULES.unusedGrants)?.status, 'pass');
  const empty = await readAuditLogs([fx('risky.jsonl')], DEFAULT_OPTIONS, {
    period: { from: new Date('2030-01-01') },
  });
  t.true(correlateWithRbac(empty.summary, grants).every((x) => x.status === 'error'));
});

test('RBAC matching: wildcards and subresources', (t) => {
  const g = { verbs: ['get'], resources: ['pods/*'], apiGroups: [''] };
  t.true(grantCovers(g, 'get||pods/log'));
  t.false(grantCovers(g, 'get||pods'));
  t.false(grantCovers(g, 'list||pods/log'));
  t.true(
    grantCovers(
      { verbs: ['*'], resources: ['*/scale'], apiGroups: ['apps'] },
      'update|apps|deployments/scale',
    ),
  );
  t.false(grantCovers({ verbs: ['*'], resources: ['*'], apiGroups: ['apps'] }, 'get||pods'));
  t.is(riskOf({ verbs: ['get'], resources: ['secrets'], apiGroups: [''] }), 'reads secrets');
  t.is(riskOf({ verbs: ['impersonate'], resources: ['users'], apiGroups: [''] }), 'impersonate');
  t.is(riskOf({ verbs: ['get'], resources: ['configmaps'], apiGroups: [''] }), undefined);
});
