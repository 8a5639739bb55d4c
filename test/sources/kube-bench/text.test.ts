import test from 'ava';
import { byRule, fixture, fixtureBundle, memReader, readFixture, run } from './_helpers.ts';

test('old text output: (Scored)/(Not Scored) suffixes, untitled Remediations and Summary blocks', async (t) => {
  const out = await run([`w1=${fixture('scored-suffix.txt')}`]);
  t.is(out.inputs[0]?.format, 'kube-bench-text');
  t.deepEqual(
    out.findings.map((f) => `${f.ruleId}:${f.nativeStatus}:${f.status}`),
    [
      '2.1.1:PASS:pass',
      '2.1.2:FAIL:fail',
      '2.1.3:WARN:error',
      '2.1.4:WARN:manual',
      '2.2.1:PASS:pass',
      '2.2.2:INFO:info',
    ],
  );
  // Node type from the heading when the old Summary line does not name the target.
  t.is(byRule(out.findings, '2.1.1').properties?.['nodeType'], 'node');
  t.is(byRule(out.findings, '2.1.1').properties?.['section'], '2.1');
  t.is(
    byRule(out.findings, '2.1.1').title,
    'Ensure that the --anonymous-auth argument is set to false (Scored)',
  );
  t.regex(
    byRule(out.findings, '2.1.2').remediation ?? '',
    /^If using a Kubelet config file, edit the file to set readOnlyPort to 0 \.\nBased/,
  );
  const err = byRule(out.findings, '2.1.3');
  t.is(err.properties?.['warnKind'], 'audit-error');
  t.regex(
    err.message,
    /Could not run on node w1: the audit could not run: failed to run: "\/bin\/ps -fC kubelet", output: "\/bin\/sh: ps: command not found/,
  );
  t.is(err.remediation, undefined);
  t.is(byRule(out.findings, '2.1.4').properties?.['warnKind'], 'manual-check');
  // No totals mismatch: the Summary block matches the lines.
  t.false(out.notes.some((n) => n.includes('declares')));
});

test('text with several targets: node types from the Summary headers, line locators, totals checked', async (t) => {
  const file = fixture('multi-target.txt');
  const out = await run([`cp-1=${file}`]);
  t.is(out.findings.length, 4);
  t.is(byRule(out.findings, '1.2.17').properties?.['nodeType'], 'master');
  t.is(byRule(out.findings, '4.2.10').properties?.['nodeType'], 'node');
  t.is(byRule(out.findings, '4.2.10').status, 'error');
  // A check marked (Manual) that PASSed is a pass: kube-bench ran its test.
  t.is(byRule(out.findings, '1.2.1').status, 'pass');
  const ev = out.evidence.find((e) => e.id === byRule(out.findings, '1.2.17').evidenceIds[0]);
  t.deepEqual(ev?.locator, { file, line: 4 });
  t.regex(String((ev?.excerpt as Record<string, unknown>)['remediation']), /--profiling=false/);
  t.false(out.notes.some((n) => n.includes('declares')));
});

test('text output is detected from content whatever the extension, with ANSI colours and CRLF', async (t) => {
  const colored = readFixture('multi-target.txt')
    .replace(/\[(PASS|FAIL|WARN|INFO)\]/g, '\u001b[32m[$1]\u001b[0m')
    .replace(/\n/g, '\r\n');
  const out = await run(
    ['kube-bench-cp-1.json'],
    fixtureBundle(),
    memReader({ 'kube-bench-cp-1.json': colored }),
  );
  t.is(out.inputs[0]?.format, 'kube-bench-text');
  t.is(out.findings.length, 4);
  t.is(out.findings[0]?.resource?.name, 'cp-1');
});

test('text output: benchmark inferred from fingerprints', async (t) => {
  const out = await run([`cp-1=${fixture('multi-target.txt')}`], fixtureBundle());
  for (const f of out.findings) {
    t.is(f.ruleVariant, 'cis-1.23');
    t.is(f.properties?.['identification'], 'inferred');
  }
  t.true(
    out.notes.some((n) => /the input does not name its benchmark; inferred cis-1.23: 4 of 4 checks/.test(n)),
  );
});

test('a text Summary that disagrees with the lines is reported in the notes', async (t) => {
  const edited = readFixture('scored-suffix.txt').replace('2 checks PASS', '9 checks PASS');
  const out = await run(['w1=edited.txt'], fixtureBundle(), memReader({ 'edited.txt': edited }));
  t.is(out.findings.length, 6);
  t.true(
    out.notes.some((n) =>
      n.includes('declares 9 PASS, 1 FAIL, 2 WARN, 1 INFO but holds 2 PASS, 1 FAIL, 2 WARN, 1 INFO'),
    ),
  );
});

test('text without Summary blocks (--nosummary) or Remediations (--noremediations) still splits targets', async (t) => {
  const full = readFixture('multi-target.txt');
  const noSummary = full.replace(/== Summary [a-z]+ ==\n(\d+ checks [A-Z]+\n)+/g, '');
  const noRemediation = full.replace(/== Remediations [a-z]+ ==\n[\s\S]*?(?=== Summary)/g, '');
  const bare = noSummary.replace(/== Remediations [a-z]+ ==\n[\s\S]*?(?=\[INFO\] 4 |$)/g, '');
  t.false(bare.includes('=='));
  for (const [name, text] of Object.entries({ noSummary, noRemediation, bare })) {
    const out = await run(['cp-1=x.txt'], fixtureBundle(), memReader({ 'x.txt': text }));
    t.deepEqual(
      out.findings.map((f) => `${f.ruleId}:${f.status}:${f.properties?.['nodeType']}`),
      ['1.2.1:pass:master', '1.2.17:fail:master', '4.2.1:pass:node', '4.2.10:manual:node'].map((s) =>
        name === 'noSummary' ? s.replace('4.2.10:manual', '4.2.10:error') : s,
      ),
      name,
    );
  }
});
