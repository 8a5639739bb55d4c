import test from 'ava';
import { readFileSync } from 'node:fs';
import { sha256Hex } from '../../../src/util/hash.ts';
import { byRule, fixture, fixtureBundle, run } from './_helpers.ts';

test('{Controls, Totals} layout: one finding per check, declared benchmark, node from NODE=PATH', async (t) => {
  const out = await run([`cp-1=${fixture('controls-object.json')}`], fixtureBundle());
  t.is(out.inputs[0]?.format, 'kube-bench-json-controls');
  t.is(out.findings.length, 8);
  t.is(out.evidence.length, 8);
  for (const f of out.findings) {
    t.is(f.ruleVariant, 'cis-1.23');
    t.is(f.properties?.['identification'], 'declared');
    t.is(f.properties?.['benchmark'], 'cis-1.23');
    t.deepEqual(f.resource, { kind: 'Node', name: 'cp-1', node: 'cp-1' });
    t.is(f.severity, 'unknown');
  }
  t.is(byRule(out.findings, '1.1.1').properties?.['nodeType'], 'master');
  t.is(byRule(out.findings, '4.2.1').properties?.['nodeType'], 'node');
  t.is(byRule(out.findings, '4.2.1').properties?.['detectedVersion'], '1.25');
  t.deepEqual(out.cluster, { nodes: ['cp-1'] });
  t.true(
    out.notes.some((n) =>
      n.includes('benchmark cis-1.23 (JSON version "cis-1.23") declared for targets master, node'),
    ),
  );
  t.is(out.partialError, undefined);
});

test('status mapping: PASS, FAIL, INFO kept; WARN split into manual and error, never pass', async (t) => {
  const out = await run([`cp-1=${fixture('controls-object.json')}`], fixtureBundle());
  t.is(byRule(out.findings, '1.1.1').status, 'pass');
  t.is(byRule(out.findings, '1.2.17').status, 'fail');
  t.is(byRule(out.findings, '1.2.30').status, 'info');

  const manual = byRule(out.findings, '1.2.1');
  t.is(manual.status, 'manual');
  t.is(manual.nativeStatus, 'WARN');
  t.is(manual.properties?.['warnKind'], 'manual-check');
  t.regex(manual.message, /Manual review needed on node cp-1: kube-bench marks this check manual/);

  const unscored = byRule(out.findings, '1.1.9');
  t.is(unscored.status, 'manual');
  t.is(unscored.properties?.['warnKind'], 'unscored-test-failed');
  t.regex(unscored.message, /unscored automated test did not pass \(expected 'permissions' is present\)/);

  const error = byRule(out.findings, '1.1.20');
  t.is(error.status, 'error');
  t.is(error.properties?.['warnKind'], 'audit-error');
  t.regex(error.message, /^Could not run on node cp-1: the audit could not run: failed to run: "find/);

  // A scored check whose audit failed stays a FAIL (kube-bench counts it so) but says why.
  const failedAudit = byRule(out.findings, '4.2.6');
  t.is(failedAudit.status, 'fail');
  t.is(failedAudit.properties?.['auditError'], true);
  t.regex(failedAudit.message, /the audit could not run \(failed to run: "\/bin\/ps -fC \$kubeletbin"/);

  t.false(out.findings.some((f) => f.nativeStatus === 'WARN' && f.status === 'pass'));
});

test('evidence: scanner-output, file + JSON pointer, sha256 of the whole input, redacted actual value', async (t) => {
  const file = fixture('controls-object.json');
  const out = await run([`cp-1=${file}`], fixtureBundle());
  const f = byRule(out.findings, '1.2.17');
  const ev = out.evidence.find((e) => e.id === f.evidenceIds[0]);
  t.truthy(ev);
  t.is(ev?.kind, 'scanner-output');
  t.is(ev?.source, 'kube-bench');
  t.deepEqual(ev?.locator, { file, pointer: '/Controls/0/tests/1/results/1' });
  t.is(ev?.sha256, sha256Hex(readFileSync(file)));
  t.is(ev?.collectedAt, '2026-01-02T03:04:05.000Z');
  const excerpt = ev?.excerpt as Record<string, unknown>;
  t.is(excerpt['status'], 'FAIL');
  t.is(excerpt['nodeType'], 'master');
  t.is(excerpt['expected'], "'--profiling' is equal to 'false'");
  const actual = String(excerpt['actual']);
  t.true(actual.includes('--profiling=true'));
  t.false(actual.includes('s3cr3t-value'), 'client secret redacted');
  t.true(actual.includes('--oidc-client-secret=[REDACTED]'));
  t.true(actual.includes('--token-auth-file=/etc/k8s/tokens.csv'), 'a *-file flag names a path and is kept');
  t.false(JSON.stringify(out).includes('s3cr3t-value'), 'the secret appears nowhere in the output');
  t.truthy(f.remediation);
  t.regex(f.message, /^Failed on node cp-1: expected '--profiling' is equal to 'false'; found root 1780/);
});

test('evidence excerpts cap a long actual value at about 2 KB', async (t) => {
  const big = JSON.stringify([
    {
      id: '4',
      version: 'cis-1.23',
      text: 'Worker Node',
      node_type: 'node',
      tests: [
        {
          section: '4.2',
          desc: 'Kubelet',
          results: [
            {
              test_number: '4.2.1',
              test_desc: 'x',
              status: 'PASS',
              audit: 'cat',
              actual_value: 'a'.repeat(10_000),
              scored: true,
            },
          ],
        },
      ],
    },
  ]);
  const { memReader } = await import('./_helpers.ts');
  const out = await run(['kube-bench-n1.json'], fixtureBundle(), memReader({ 'kube-bench-n1.json': big }));
  const actual = String((out.evidence[0]?.excerpt as Record<string, unknown>)['actual']);
  t.true(actual.length < 2100);
  t.true(actual.endsWith('[7952 more characters]'));
});

test('bare array layout: declared cis-1.5, etcd "1.15" inferred with the declared sibling winning the tie', async (t) => {
  const out = await run([`m1=${fixture('bare-array.json')}`], fixtureBundle());
  t.is(out.inputs[0]?.format, 'kube-bench-json-array');
  t.is(out.findings.length, 3);
  const etcd = byRule(out.findings, '2.1');
  t.is(etcd.ruleVariant, 'cis-1.5');
  t.is(etcd.properties?.['identification'], 'inferred');
  t.is(etcd.properties?.['declaredVersion'], '1.15');
  t.is(byRule(out.findings, '3.2.1').properties?.['identification'], 'declared');
  t.is(byRule(out.findings, '3.2.1').ruleVariant, 'cis-1.5');
  t.is(byRule(out.findings, '3.2.1').evidenceIds.length, 1);
  const ev = out.evidence.find((e) => e.id === byRule(out.findings, '3.2.1').evidenceIds[0]);
  t.is(ev?.locator.pointer, '/1/tests/0/results/0');
  t.true(
    out.notes.some((n) =>
      /JSON version "1.15" is not a benchmark known.*inferred cis-1.5: 2 of 2 checks/.test(n),
    ),
  );
});

test('JSON lines (one target per line, old kube-bench) are read with line locators', async (t) => {
  const out = await run([`m1=${fixture('targets.jsonl')}`], fixtureBundle());
  t.is(out.inputs[0]?.format, 'kube-bench-jsonl');
  t.is(out.findings.length, 3);
  const ev = out.evidence.find((e) => e.id === byRule(out.findings, '3.2.1').evidenceIds[0]);
  t.is(ev?.locator.line, 2);
});

test('unknown benchmark is not fatal: findings kept under the declared version, unidentified, noted', async (t) => {
  const out = await run([`w1=${fixture('unknown-benchmark.json')}`], fixtureBundle());
  t.is(out.findings.length, 1);
  const f = out.findings[0];
  t.is(f?.ruleVariant, 'acme-9.9');
  t.is(f?.properties?.['identification'], 'unidentified');
  t.is(f?.properties?.['benchmark'], null);
  t.is(f?.status, 'pass');
  t.is(out.partialError, undefined);
  t.true(
    out.notes.some((n) => n.includes('JSON version "acme-9.9" is not a benchmark known to mappings test')),
  );
});

test('finding ids are stable and depend on benchmark, check and node', async (t) => {
  const a = await run([`cp-1=${fixture('controls-object.json')}`], fixtureBundle());
  const b = await run([`cp-1=${fixture('controls-object.json')}`], fixtureBundle());
  const c = await run([`cp-2=${fixture('controls-object.json')}`], fixtureBundle());
  t.deepEqual(
    a.findings.map((f) => f.id),
    b.findings.map((f) => f.id),
  );
  t.notDeepEqual(
    a.findings.map((f) => f.id),
    c.findings.map((f) => f.id),
  );
  t.is(new Set(a.findings.map((f) => f.id)).size, a.findings.length);
  const { stableId } = await import('../../../src/util/hash.ts');
  t.is(byRule(a.findings, '1.2.17').id, stableId('f', 'kube-bench', 'cis-1.23', '1.2.17', 'cp-1'));
});
