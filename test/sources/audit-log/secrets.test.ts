import test from 'ava';
import { readFileSync } from 'node:fs';
import { auditLogSource, AUDIT_RULES } from '../../../src/sources/audit-log/index.ts';
import { correlateWithRbacOutput } from '../../../src/sources/audit-log/correlate.ts';
import { memoryLogger } from '../../../src/util/log.ts';
import { ctx, fx } from './helpers.ts';

const planted = (JSON.parse(readFileSync(fx('secrets-planted.values.json'), 'utf8')) as { planted: string[] })
  .planted;
const BODY_ONLY = ['BODY-FIELD-NOT-FOR-REPORT', 'ENV-VALUE-NOT-FOR-REPORT'];

test('no planted secret value (body, stringData, URL token, exec argument) reaches the output', async (t) => {
  t.true(planted.length >= 7);
  for (const slowPathOnly of [false, true]) {
    const src = auditLogSource([fx('secrets-planted.jsonl'), fx('risky.jsonl')], { slowPathOnly });
    const c = ctx();
    const log = memoryLogger();
    c.log = log;
    const raw = await src.read(c);
    const out = src.normalize(raw, c);
    const text = JSON.stringify({ raw, out, log: log.lines });
    for (const v of [...planted, ...BODY_ONLY])
      t.false(text.includes(v), `${v} leaked (slowPathOnly=${slowPathOnly})`);
    // the checks still saw what they needed from those events
    const status = Object.fromEntries(out.findings.map((f) => [f.ruleId, f.status]));
    t.is(status[AUDIT_RULES.secrets], 'fail');
    t.is(status[AUDIT_RULES.clusterAdmin], 'fail');
    t.is(status[AUDIT_RULES.privileged], 'fail');
    t.true(text.includes('[REDACTED]'));
    const corr = correlateWithRbacOutput(raw.summary, [
      {
        subject: { kind: 'User', name: 'alice@example.com' },
        verbs: ['get', 'create'],
        resources: ['secrets'],
        apiGroups: [''],
      },
    ]);
    const ctext = JSON.stringify(corr);
    for (const v of planted) t.false(ctext.includes(v));
  }
});
