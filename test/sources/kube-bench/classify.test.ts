import test from 'ava';
import { classify } from '../../../src/sources/kube-bench/classify.ts';
import type { ParsedCheck } from '../../../src/sources/kube-bench/model.ts';

const warn = (extra: Partial<ParsedCheck>): ParsedCheck => ({
  id: '1.1.1',
  text: 'A check (Automated)',
  status: 'WARN',
  audit: 'stat -c %a /etc/x',
  scored: false,
  ...extra,
});

test('WARN reasons kube-bench writes map to manual or error, never pass', (t) => {
  const cases: [Partial<ParsedCheck>, string, string][] = [
    [{ type: 'manual', reason: 'Test marked as a manual test' }, 'manual', 'manual-check'],
    [{ reason: 'There are no tests', scored: true }, 'manual', 'no-automated-test'],
    [{ reason: 'No tests defined' }, 'manual', 'no-automated-test'],
    [{ reason: 'missing audit command', audit: '' }, 'error', 'no-audit'],
    [{ reason: 'Final output is <<EMPTY>>. Failed to run: stat -c %a /etc/x\n' }, 'error', 'audit-error'],
    [
      {
        reason:
          'failed to run: "kubectl get pods", output: "sh: kubectl: command not found", error: exit status 127',
      },
      'error',
      'audit-error',
    ],
    [{ audit: '', auditConfig: '' }, 'error', 'no-audit'],
    [
      {
        actual:
          'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:x:y" cannot list',
      },
      'error',
      'audit-output-error',
    ],
    [
      {
        actual: 'permissions=644',
        expected: 'permissions has permissions 644, expected 600 or more restrictive',
      },
      'manual',
      'unscored-test-failed',
    ],
  ];
  for (const [extra, status, kind] of cases) {
    const c = classify(warn(extra), false);
    t.is(String(c.status), status, JSON.stringify(extra));
    t.is(String(c.warnKind), kind, JSON.stringify(extra));
  }
});

test('text WARN without detail: manual, by suffix or unverified', (t) => {
  t.is(classify(warn({ text: 'A check (Not Scored)', audit: undefined }), true).warnKind, 'manual-check');
  t.is(classify(warn({ text: 'A check (Scored)', audit: undefined }), true).warnKind, 'unverified');
  t.is(classify(warn({ text: 'A check (Scored)', audit: undefined }), true).status, 'manual');
});

test('reasons are redacted and capped in messages', (t) => {
  const c = classify(
    warn({ reason: `failed to run: "curl -H 'Authorization: Bearer abcdefghijklmnop'" ${'x'.repeat(500)}` }),
    false,
  );
  t.is(c.status, 'error');
  t.false((c.why ?? '').includes('abcdefghijklmnop'));
  t.true((c.why ?? '').length < 400);
});
