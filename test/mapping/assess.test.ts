import test from 'ava';
import { fileURLToPath } from 'node:url';
import { assess, type AssessOptions } from '../../src/mapping/assess.ts';
import { loadMappings } from '../../src/mapping/load.ts';
import type { MappingBundle } from '../../src/mapping/types.ts';
import type { ControlResult, Finding, FindingStatus, RunRecord, SourceId } from '../../src/model/types.ts';

const MINI = fileURLToPath(new URL('../fixtures/mappings-mini/', import.meta.url));
let bundle: MappingBundle;
test.before(async () => {
  bundle = await loadMappings(MINI);
});

function kb(ruleId: string, status: FindingStatus, node = 'cp-1', variant = 'cis-1.10'): Finding {
  return {
    id: `f-${variant}-${ruleId}-${node}-${status}`,
    source: 'kube-bench',
    ruleId,
    ruleVariant: variant,
    title: `check ${ruleId}`,
    status,
    nativeStatus: status === 'manual' ? 'WARN' : status.toUpperCase(),
    severity: 'unknown',
    resource: { kind: 'Node', name: node, node },
    message: 'm',
    evidenceIds: [],
  };
}

function run(source: SourceId, status: RunRecord['status'] = 'ok', error?: string): RunRecord {
  return {
    source,
    status,
    startedAt: '2026-01-01T00:00:00Z',
    durationMs: 1,
    findingCount: 0,
    inputs: [],
    notes: [],
    ...(error ? { error: { code: 'x', message: error } } : {}),
  };
}

function control(
  findings: Finding[],
  runs: RunRecord[],
  ref: string,
  extra: Partial<AssessOptions> = {},
): ControlResult {
  const [fw, id] = [ref.slice(0, ref.indexOf('/')), ref.slice(ref.indexOf('/') + 1)];
  const a = assess(findings, bundle, { frameworks: ['nist-800-53-r5', 'pci-dss-4.0.1'], runs, ...extra });
  const c = a.frameworks.find((f) => f.id === fw)?.controls.find((x) => x.controlId === id);
  if (!c) throw new Error(`no control ${ref}`);
  return c;
}

test('a control with a failed mapped check fails, naming the node', (t) => {
  const c = control(
    [kb('1.2.1', 'fail', 'cp-1'), kb('1.2.1', 'pass', 'cp-2')],
    [run('kube-bench')],
    'nist-800-53-r5/AC-14',
  );
  t.is(c.status, 'fail');
  t.is(c.counts.fail, 1);
  t.is(c.counts.pass, 1);
  t.regex(c.explanation, /cp-1/);
  t.is(c.findingIds[0], 'f-cis-1.10-1.2.1-cp-1-fail', 'failing findings come first');
});

test('every mapped check that ran passed and nothing else was expected: pass (full coverage)', (t) => {
  const c = control([kb('1.2.1', 'pass')], [run('kube-bench')], 'nist-800-53-r5/AC-14');
  t.is(c.status, 'pass');
  t.is(c.coverage, 'full');
  t.regex(c.explanation, /All 1 automated check results passed\./);
});

test('a pass with partial coverage says further evidence is required', (t) => {
  const c = control([kb('1.2.16', 'pass')], [run('kube-bench')], 'pci-dss-4.0.1/10.2.1');
  t.is(c.status, 'pass');
  t.is(c.coverage, 'partial');
  t.regex(c.explanation, /further evidence is required/);
});

test('passed checks but another mapped source did not run: incomplete, with the reason', (t) => {
  // AU-2 is reached by kube-bench (audit log) and by rbac (cluster-admin); rbac was not run
  const c = control([kb('1.2.16', 'pass')], [run('kube-bench')], 'nist-800-53-r5/AU-2');
  t.is(c.status, 'incomplete');
  t.regex(c.explanation, /rbac was not run/);
  t.deepEqual(c.sources, ['kube-bench', 'rbac']);
});

test('passes from a source that ran only in part make the control incomplete, naming what was missed', (t) => {
  const c = control(
    [kb('1.2.1', 'pass')],
    [run('kube-bench', 'partial', '1 of 2 kube-bench inputs could not be used')],
    'nist-800-53-r5/AC-14',
  );
  t.is(c.status, 'incomplete');
  t.regex(c.explanation, /kube-bench ran only in part \(1 of 2 kube-bench inputs could not be used\)/);
});

test('a failed source makes its controls not-assessed with the failure as the reason', (t) => {
  const c = control(
    [],
    [run('kube-bench'), run('rbac', 'failed', '403 listing clusterroles')],
    'nist-800-53-r5/AC-6',
  );
  t.is(c.status, 'not-assessed');
  t.regex(c.explanation, /rbac failed \(403 listing clusterroles\)/);
});

test('absence of evidence is never a pass: no findings at all → not-assessed', (t) => {
  const c = control([], [run('kube-bench')], 'nist-800-53-r5/AC-14');
  t.is(c.status, 'not-assessed');
  t.regex(c.explanation, /kube-bench reported no result/);
});

test('kube-bench WARN (manual) is never a pass: a control with only manual findings is manual', (t) => {
  const c = control([kb('1.2.1', 'manual')], [run('kube-bench')], 'nist-800-53-r5/AC-14');
  t.is(c.status, 'manual');
  t.regex(c.explanation, /manual review/);
});

test('a pass next to a manual finding is incomplete, not pass', (t) => {
  const c = control(
    [kb('1.2.1', 'pass', 'cp-1'), kb('1.2.1', 'manual', 'cp-2')],
    [run('kube-bench')],
    'nist-800-53-r5/AC-14',
  );
  t.is(c.status, 'incomplete');
});

test('a check reported for manual review is not also called "no result" in the explanation', (t) => {
  // AU-2 is reached by kube-bench (audit log, passed) and rbac (cluster-admin, reported for manual review)
  const rb: Finding = { ...kb('rbac.cluster-admin-binding', 'manual'), source: 'rbac', id: 'rb1' };
  delete (rb as Partial<Finding>).ruleVariant;
  const c = control([kb('1.2.16', 'pass'), rb], [run('kube-bench'), run('rbac')], 'nist-800-53-r5/AU-2');
  t.is(c.status, 'incomplete');
  t.regex(c.explanation, /need manual review/);
  t.notRegex(c.explanation, /reported no result/);
});

test('checks that could not run (error) leave the control not-assessed', (t) => {
  const c = control([kb('1.2.1', 'error')], [run('kube-bench')], 'nist-800-53-r5/AC-14');
  t.is(c.status, 'not-assessed');
  t.regex(c.explanation, /could not run/);
});

test('organisational controls without automated results are manual', (t) => {
  const c = control([], [run('kube-bench')], 'nist-800-53-r5/PL-1');
  t.is(c.status, 'manual');
  t.is(c.coverage, 'none');
  t.regex(c.explanation, /organisational evidence/);
});

test('organisational control whose linked check failed is fail, not manual', (t) => {
  const rb: Finding = {
    ...kb('rbac.cluster-admin-binding', 'fail'),
    source: 'rbac',
    ruleVariant: undefined,
    id: 'rb1',
  };
  delete (rb as Partial<Finding>).ruleVariant;
  const c = control([rb], [run('rbac')], 'pci-dss-4.0.1/12.1.1');
  t.is(c.status, 'fail');
});

test('organisational control whose linked checks all passed stays manual, never pass', (t) => {
  const rb: Finding = { ...kb('rbac.cluster-admin-binding', 'pass'), source: 'rbac', id: 'rb1' };
  delete (rb as Partial<Finding>).ruleVariant;
  const c = control([rb], [run('rbac')], 'pci-dss-4.0.1/12.1.1');
  t.is(c.status, 'manual');
  t.deepEqual(c.findingIds, ['rb1']);
  t.regex(c.explanation, /1 linked automated check result passed.*needs organisational evidence/);
});

test('a technical control no objective links is not-assessed and says so', (t) => {
  const c = control([kb('1.2.1', 'pass')], [run('kube-bench')], 'nist-800-53-r5/AC-99');
  t.is(c.status, 'not-assessed');
  t.regex(c.explanation, /No kubeproof check maps/);
});

test('scoped-out controls are not-applicable with the reason', (t) => {
  const c = control([kb('1.2.1', 'fail')], [run('kube-bench')], 'nist-800-53-r5/AC-14', {
    notApplicable: [{ control: 'nist-800-53-r5/AC-14', reason: 'inherited from the cloud provider' }],
  });
  t.is(c.status, 'not-applicable');
  t.regex(c.explanation, /inherited from the cloud provider/);
});

test('failures all covered by waivers make the control waived, listing the waiver', (t) => {
  const c = control([kb('1.2.1', 'fail')], [run('kube-bench')], 'nist-800-53-r5/AC-14', {
    waiverFor: () => ({
      id: 'w1',
      reason: 'legacy',
      owner: 'team',
      expires: '2027-01-01',
      origin: 'kubeproof',
    }),
  });
  t.is(c.status, 'waived');
  t.is(c.waivers?.[0]?.id, 'w1');
  t.regex(c.explanation, /1 covered by an unexpired kubeproof waiver/);
  t.notRegex(c.explanation, /scanner/);
});

test('scanner exceptions (finding status waived) waive, never pass', (t) => {
  const c = control([kb('1.2.1', 'waived')], [run('kube-bench')], 'nist-800-53-r5/AC-14');
  t.is(c.status, 'waived');
  // named as the scanner's exception, never as a kubeproof waiver with an expiry
  t.regex(c.explanation, /1 excepted by the scanner itself \(kube-bench exception/);
  t.notRegex(c.explanation, /kubeproof waiver|unexpired/);
  t.is(c.waivers, undefined);
});

test('attested manual controls are attested, with the attestation', (t) => {
  const c = control([], [run('kube-bench')], 'nist-800-53-r5/PL-1', {
    attestationFor: () => ({ by: 'CISO', evidence: 'policy v3', date: '2026-01-01', expires: '2027-01-01' }),
  });
  t.is(c.status, 'attested');
  t.is(c.attestation?.by, 'CISO');
});

test('the same check id in another benchmark version reaches the same objective', (t) => {
  const c16 = control([kb('1.2.22', 'fail', 'n', 'cis-1.6')], [run('kube-bench')], 'pci-dss-4.0.1/10.2.1');
  const c110 = control([kb('1.2.16', 'fail', 'n', 'cis-1.10')], [run('kube-bench')], 'pci-dss-4.0.1/10.2.1');
  t.is(c16.status, 'fail');
  t.is(c110.status, 'fail');
});

test('checks of benchmarks that did not run are not expected (no false incomplete)', (t) => {
  // cis-1.6 maps the same objective, but only cis-1.10 ran: the control is a clean pass
  const c = control([kb('1.2.16', 'pass')], [run('kube-bench'), run('rbac')], 'pci-dss-4.0.1/10.2.1');
  t.is(c.status, 'pass');
});

test('unmapped and out-of-scope findings are listed with a reason, never dropped', (t) => {
  const a = assess([kb('9.9.9', 'fail'), kb('5.6.1', 'manual')], bundle, {
    frameworks: ['nist-800-53-r5'],
    runs: [run('kube-bench')],
  });
  t.is(a.unmapped.length, 2);
  t.regex(
    a.unmapped.find((u) => u.findingId.includes('9.9.9'))!.reason,
    /no mapping for kube-bench rule 9.9.9 in cis-1.10/,
  );
  t.regex(a.unmapped.find((u) => u.findingId.includes('5.6.1'))!.reason, /out of scope: Namespace design/);
});

test('findings without severity take their objective severity; summaries count statuses', (t) => {
  const a = assess([kb('1.2.1', 'fail')], bundle, {
    frameworks: ['nist-800-53-r5'],
    runs: [run('kube-bench')],
  });
  t.is(a.findings[0]!.severity, 'high');
  const s = a.frameworks[0]!.summary;
  t.is(s.total, 6);
  t.is(s.counts.fail, 1);
  t.is(s.failingBySeverity.high, 1);
  t.is(s.counts.manual, 1, 'PL-1 is organisational');
  t.is(s.counts.fail + s.counts['not-assessed'] + s.counts.manual + s.counts.incomplete + s.counts.pass, 6);
});

test('framework order follows the request and unknown frameworks are ignored by assess', (t) => {
  const a = assess([], bundle, { frameworks: ['pci-dss-4.0.1', 'nist-800-53-r5'], runs: [] });
  t.deepEqual(
    a.frameworks.map((f) => f.id),
    ['pci-dss-4.0.1', 'nist-800-53-r5'],
  );
});
