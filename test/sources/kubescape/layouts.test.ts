/** Hand-written fixtures: every layout and status variant Kubescape writes. */
import test from 'ava';
import { InputError } from '../../../src/errors.ts';
import { parseResourceId } from '../../../src/sources/kubescape/resource-id.ts';
import { classifyStatus, deriveFromRules, severityFromScore } from '../../../src/sources/kubescape/status.ts';
import { find, fixture, memReader, readFixture, run } from './_helpers.ts';

test('v2: one finding per (control, resource), resource from resources[], cluster and version', async (t) => {
  const out = await run([fixture('v2-cluster.json')]);
  t.deepEqual(
    out.inputs.map((i) => i.format),
    ['kubescape-v2'],
  );
  t.is(out.toolVersion, 'v3.0.9');
  t.deepEqual(out.cluster, { name: 'prod-eu-1', serverVersion: 'v1.30.4-eks-a737599', platform: 'EKS' });
  const failed = find(out.findings, 'C-0057', 'web');
  t.is(failed.status, 'fail');
  t.is(failed.severity, 'high');
  t.deepEqual(failed.resource, {
    kind: 'Deployment',
    name: 'web',
    namespace: 'default',
    apiVersion: 'apps/v1',
  });
  t.is(failed.properties?.['priorityScore'], 12.5);
  const ev = out.evidence.find((e) => e.id === failed.evidenceIds[0]);
  t.is(ev?.kind, 'scanner-output');
  t.is(ev?.locator.pointer, '/results/0/controls/0');
  t.regex(ev?.sha256 ?? '', /^[0-9a-f]{64}$/);
  const ex = ev?.excerpt as Record<string, unknown>;
  t.deepEqual(ex['failedPaths'], ['spec.template.spec.containers[0].securityContext.privileged']);
  t.deepEqual(ex['fixPaths'], [
    { path: 'spec.template.spec.containers[0].securityContext.privileged', value: 'false' },
  ]);
  t.is(ex['scoreFactor'], 8);
  t.is(find(out.findings, 'C-0057', 'db-creds').status, 'pass');
  t.true(out.notes.some((n) => n.includes('no generation time')));
  t.false(
    out.notes.some((n) => n.includes('summaryDetails declares')),
    out.notes.join('\n'),
  );
});

test('v2: exceptions are waived with the policy name, never pass (old excluded and new w/exceptions)', async (t) => {
  const out = await run([fixture('v2-cluster.json')]);
  const old = find(out.findings, 'C-0001', 'web');
  t.is(old.status, 'waived');
  t.regex(old.nativeStatus, /derived from rules/);
  t.is(old.properties?.['exceptionPolicies'], 'allow-internal-registry');
  t.regex(old.message, /allow-internal-registry/);
  const neu = find(out.findings, 'C-0034', 'db-creds');
  t.is(neu.status, 'waived');
  t.is(neu.nativeStatus, 'passed/w/exceptions');
  t.is(neu.properties?.['reason'], 'Kubescape exception "kube-system-exempt"');
});

test('v2: skipped, irrelevant and manual review are not passes and say why', async (t) => {
  const out = await run([fixture('v2-cluster.json')]);
  const cfg = find(out.findings, 'C-0012', 'web');
  t.is(cfg.status, 'skipped');
  t.regex(cfg.message, /configuration/);
  const irrelevant = find(out.findings, 'C-0005');
  t.is(irrelevant.status, 'skipped');
  t.is(irrelevant.resource, undefined);
  t.is(irrelevant.severity, 'critical');
  const manual = find(out.findings, 'C-0118');
  t.is(manual.status, 'manual');
  t.is(manual.properties?.['cisId'], 'CIS-1.2.6');
  t.regex(manual.message, /manual review/);
});

test('v2: RBAC subject resources keep identity only; Secret data never reaches evidence', async (t) => {
  const out = await run([fixture('v2-cluster.json')]);
  const admin = find(out.findings, 'C-0035', 'admin-bot');
  t.deepEqual(admin.resource, { kind: 'ServiceAccount', name: 'admin-bot', namespace: 'kube-system' });
  t.regex(String(admin.properties?.['relatedObjects']), /ClusterRole cluster-admin/);
  const ex = out.evidence.find((e) => e.id === admin.evidenceIds[0])?.excerpt as Record<string, unknown>;
  t.deepEqual(ex['reviewPaths'], ['relatedObjects[1].rules[0]']);
  t.deepEqual(ex['deletePaths'], ['relatedObjects[0].subjects[0]']);
  const all = JSON.stringify(out);
  for (const secret of ['c3VwZXItc2VjcmV0LXZhbHVl', 'plain-token-value-123', 'hunter2-in-plain-text']) {
    t.false(all.includes(secret), secret);
  }
});

test('v1 framework report: failures per resource, excepted failure waived, quiet control pass, rule error', async (t) => {
  const out = await run([fixture('v1-framework.json')]);
  t.is(out.toolVersion, 'v1.0.130');
  t.deepEqual(out.cluster, { name: 'legacy-cluster' });
  const etcd = find(out.findings, 'C-0045', 'etcd-node1');
  t.is(etcd.status, 'fail');
  t.is(etcd.severity, 'high');
  t.regex(etcd.message, /etcd-certs as hostPath/);
  const ex = out.evidence.find((e) => e.id === etcd.evidenceIds[0])?.excerpt as Record<string, unknown>;
  t.deepEqual(ex['failedPaths'], ['spec.volumes[1].hostPath']);
  const debug = find(out.findings, 'C-0045', 'debug');
  t.is(debug.status, 'waived');
  t.is(debug.properties?.['exceptionPolicies'], 'debug-pods-approved');
  // A control named without an id is identified by its name.
  const exec = find(out.findings, 'C-0002');
  t.is(exec.status, 'pass');
  t.is(exec.properties?.['identification'], 'control-name');
  t.is(find(out.findings, 'C-0036').status, 'error');
});

test('v1 list of framework reports, and stdin', async (t) => {
  const out = await run(['-'], memReader({}, readFixture('v1-list.json')));
  t.deepEqual(
    out.inputs.map((i) => [i.path, i.format]),
    [['-', 'kubescape-v1-list']],
  );
  t.is(find(out.findings, 'C-0013', 'api').status, 'fail');
  t.true(out.notes.some((n) => n.includes('frameworks MITRE, NSA')));
});

test('declared counters that disagree with the results are noted, not trusted', async (t) => {
  const doc = {
    summaryDetails: {
      controls: {
        'C-0057': {
          controlID: 'C-0057',
          status: 'failed',
          ResourceCounters: {
            passedResources: 0,
            failedResources: 5,
            skippedResources: 0,
            excludedResources: 0,
          },
        },
      },
    },
    results: [
      {
        resourceID: '/v1/a/Pod/p',
        controls: [{ controlID: 'C-0057', status: { status: 'failed' }, rules: [] }],
      },
    ],
  };
  const out = await run(['c.json'], memReader({ 'c.json': JSON.stringify(doc) }));
  t.true(out.notes.some((n) => n.includes('c.json: C-0057: summaryDetails declares 5 failed')));
  t.is(out.findings.length, 1);
});

test('CIS-numbered control ids resolve to the C-id for mapping', async (t) => {
  const doc = {
    summaryDetails: { frameworks: [{ name: 'cis-v1.10.0' }], controls: {} },
    results: [
      {
        resourceID: '/v1/default/Pod/p',
        controls: [{ controlID: 'CIS-5.7.2', status: { status: 'failed' }, rules: [] }],
      },
    ],
  };
  const out = await run(['x.json'], memReader({ 'x.json': JSON.stringify(doc) }));
  const f = find(out.findings, 'CIS-5.7.2', 'p');
  t.is(f.properties?.['mapRuleId'], 'C-0210');
  t.deepEqual(f.resource, { kind: 'Pod', name: 'p', namespace: 'default', apiVersion: 'v1' });
});

test('CIS ids of an older framework resolve in that framework, or through the control name', async (t) => {
  // cis-v1.23-t1.0.1 numbered the API server's --secure-port check 1.2.16; cis-v1.10.0 uses 1.2.16 for audit-log-path.
  const old = {
    summaryDetails: { frameworks: [{ name: 'cis-v1.23-t1.0.1' }], controls: {} },
    results: [
      { resourceID: 'x', controls: [{ controlID: 'CIS-1.2.16', status: { status: 'passed' }, rules: [] }] },
    ],
  };
  const a = await run(['a.json'], memReader({ 'a.json': JSON.stringify(old) }));
  t.is(a.findings[0]?.properties?.['mapRuleId'], 'C-0128');
  const unnamed = {
    results: [
      {
        resourceID: 'x',
        controls: [
          {
            controlID: 'CIS-1.2.16',
            name: 'CIS-1.2.16 Ensure that the API Server --secure-port argument is not set to 0',
            status: { status: 'passed' },
            rules: [],
          },
        ],
      },
    ],
  };
  const b = await run(['b.json'], memReader({ 'b.json': JSON.stringify(unnamed) }));
  t.is(b.findings[0]?.properties?.['mapRuleId'], 'C-0128');
  t.is(b.findings[0]?.properties?.['identification'], 'cis-id (control name)');
  // a CIS id whose name does not resolve, in a framework named only "CIS": the framework that reported CIS
  // ids as control ids (CIS-5.2.5 there is host network access, C-0196), said so in the identification
  const generic = {
    summaryDetails: { frameworks: [{ name: 'CIS' }] },
    results: [
      {
        resourceID: 'x',
        controls: [{ controlID: 'CIS-5.2.5', name: 'CIS-5.2.5', status: { status: 'failed' }, rules: [] }],
      },
    ],
  };
  const c = await run(['c.json'], memReader({ 'c.json': JSON.stringify(generic) }));
  t.is(c.findings[0]?.properties?.['mapRuleId'], 'C-0196');
  t.regex(
    String(c.findings[0]?.properties?.['identification']),
    /cis-v1\.23-t1\.0\.1, the framework that reported CIS ids/,
  );
});

test('resource ids: every form Kubescape writes', (t) => {
  t.deepEqual(parseResourceId('apps/v1/default/Deployment/web').primary, {
    kind: 'Deployment',
    name: 'web',
    namespace: 'default',
    apiVersion: 'apps/v1',
  });
  t.deepEqual(parseResourceId('/v1/default/Pod/x').primary, {
    kind: 'Pod',
    name: 'x',
    namespace: 'default',
    apiVersion: 'v1',
  });
  t.deepEqual(parseResourceId('rbac.authorization.k8s.io/v1//ClusterRole/admin').primary, {
    kind: 'ClusterRole',
    name: 'admin',
    apiVersion: 'rbac.authorization.k8s.io/v1',
  });
  const file = parseResourceId('path=1881121400/api=apps/v1//Deployment/paymentservice');
  t.true(file.fromFile);
  t.deepEqual(file.primary, { kind: 'Deployment', name: 'paymentservice', apiVersion: 'apps/v1' });
  t.deepEqual(parseResourceId('hostdata.kubescape.cloud/v1beta0/KubeletInfo/node-1').primary, {
    kind: 'KubeletInfo',
    name: 'node-1',
    apiVersion: 'hostdata.kubescape.cloud/v1beta0',
  });
  const subject = parseResourceId(
    '/kubescape/ServiceAccount/kd/path=1644445903/api=rbac.authorization.k8s.io/v1//ClusterRole/kd-roles/path=3591976602/api=rbac.authorization.k8s.io/v1//ClusterRoleBinding/kd-binding',
  );
  t.deepEqual(subject.primary, { kind: 'ServiceAccount', name: 'kd', namespace: 'kubescape' });
  t.deepEqual(
    subject.related.map((r) => r.kind),
    ['ClusterRole', 'ClusterRoleBinding'],
  );
  t.is(parseResourceId('').primary, undefined);
});

test('statuses: classification and derivation from rules', (t) => {
  t.is(classifyStatus('failed', '', []).status, 'fail');
  t.is(classifyStatus('passed', '', []).status, 'pass');
  t.is(classifyStatus('excluded', '', ['p']).status, 'waived');
  t.is(
    classifyStatus('passed', 'w/exceptions', []).reason,
    'Kubescape exception (no policy name in the output)',
  );
  t.is(classifyStatus('irrelevant', '', []).status, 'skipped');
  t.is(classifyStatus('skipped', 'requires review', []).status, 'manual');
  t.is(classifyStatus('skipped', 'requiresReview', []).status, 'manual');
  t.is(classifyStatus('skipped', 'manual', []).reason, 'Kubescape marks this control for manual review');
  t.is(classifyStatus('skipped', 'integration', []).status, 'skipped');
  t.is(classifyStatus('', '', []).status, 'skipped');
  t.deepEqual(
    deriveFromRules([
      { name: 'a', status: 'passed', exceptions: [] },
      { name: 'b', status: 'failed', exceptions: [] },
    ]),
    { status: 'failed' },
  );
  t.is(deriveFromRules([{ name: 'a', status: 'failed', exceptions: ['x'] }]).status, 'excluded');
  t.is(deriveFromRules([]).status, 'skipped');
  t.deepEqual([9, 7, 4, 1, 0.5, undefined].map(severityFromScore), [
    'critical',
    'high',
    'medium',
    'low',
    'unknown',
    'unknown',
  ]);
});

test('bad input: named file, expected shape, other tools recognised; one bad input among several is partial', async (t) => {
  const kb = JSON.stringify({ Controls: [{ id: '1', tests: [] }], Totals: {} });
  const e1 = await t.throwsAsync(run(['kb.json'], memReader({ 'kb.json': kb })), { instanceOf: InputError });
  t.regex(e1.message, /^kb\.json: .*kube-bench output, not Kubescape/);
  t.is(e1.hint, 'pass it with --kube-bench');
  const e2 = await t.throwsAsync(run(['t.json'], memReader({ 't.json': '{"results": [' })), {
    instanceOf: InputError,
  });
  t.regex(e2.message, /t\.json: truncated JSON/);
  const e3 = await t.throwsAsync(run(['o.json'], memReader({ 'o.json': '{"hello": 1}' })), {
    instanceOf: InputError,
  });
  t.regex(e3.message, /o\.json: \(root\): expected Kubescape JSON .* with keys hello/);
  // kube-bench text that starts with "[INFO]" is named as such, not reported as invalid JSON
  const kbText = '[INFO] 4 Worker Node Security Configuration\n[PASS] 4.1.1 Ensure that ...\n';
  const e5 = await t.throwsAsync(run(['kb.txt'], memReader({ 'kb.txt': kbText })), {
    instanceOf: InputError,
  });
  t.regex(e5.message, /kb\.txt: this looks like kube-bench text output, not Kubescape output/);
  t.is(e5.hint, 'pass it with --kube-bench');
  // an audit log in JSON lines
  const ev = JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    auditID: 'a',
    stage: 'ResponseComplete',
    verb: 'get',
  });
  const e6 = await t.throwsAsync(run(['a.log'], memReader({ 'a.log': `${ev}\n${ev}\n` })), {
    instanceOf: InputError,
  });
  t.regex(
    e6.message,
    /a\.log: this looks like Kubernetes audit log output \(JSON lines\), not Kubescape output/,
  );
  t.is(e6.hint, 'pass it with --audit-log');
  const bad = JSON.stringify({
    results: [{ resourceID: 'x', controls: [{ controlID: 'C-0001', rules: 'nope' }] }],
  });
  const e4 = await t.throwsAsync(run(['b.json'], memReader({ 'b.json': bad })), { instanceOf: InputError });
  t.is(e4.message, 'b.json: results[0].controls[0].rules: expected array, got string');
  const out = await run([fixture('v1-framework.json'), 'missing.json', 'kb.json'], {
    ...memReader({ 'kb.json': kb, [fixture('v1-framework.json')]: readFixture('v1-framework.json') }),
  });
  t.truthy(out.partialError);
  t.regex(
    out.partialError?.message ?? '',
    /2 of 3 Kubescape inputs could not be used: missing\.json: file not found; kb\.json: this looks like kube-bench/,
  );
  t.true(out.findings.length > 0);
});
