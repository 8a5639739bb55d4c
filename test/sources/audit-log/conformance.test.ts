import test from 'ava';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { auditLogSource, AUDIT_RULES } from '../../../src/sources/audit-log/index.ts';
import { readAuditLogs } from '../../../src/sources/audit-log/read.ts';
import { DEFAULT_OPTIONS } from '../../../src/sources/audit-log/types.ts';
import type { FindingStatus } from '../../../src/model/types.ts';
import { ctx, sharedDir } from './helpers.ts';

const dir = sharedDir('fixtures/audit');

if (!dir) {
  test('conformance: shared audit fixtures absent', (t) => {
    t.log('skipped: ../shared/fixtures/audit not found (set KUBEPROOF_SHARED to the shared folder)');
    t.is(dir, undefined);
  });
} else {
  const d = dir;
  const file = (n: string) => path.join(d, n);
  const noGaps = { gapHours: 24 * 365 * 10 };

  test('conformance: every shared audit file is read; the malformed {"kind": 0} file is counted', async (t) => {
    const files = readdirSync(d).sort();
    t.is(files.length, 19);
    for (const f of files) {
      const r = await readAuditLogs([file(f)], { ...DEFAULT_OPTIONS, ...noGaps });
      t.deepEqual(r.unreadable, [], f);
      if (f === 'falco_k8s_audit_fal_01_003.json') {
        t.is(r.summary.stats.malformed, 1);
        t.is(r.summary.stats.requests, 0);
      } else {
        t.true(r.summary.stats.requests > 0, f);
        t.is(r.summary.stats.malformed, 0, f);
      }
    }
  });

  test('conformance: audit2rbac demo log (impersonation, 403s, legacy timestamp)', async (t) => {
    const src = auditLogSource([file('audit2rbac_demo.log')], noGaps);
    const c = ctx();
    const out = src.normalize(await src.read(c), c);
    t.is(out.stats?.['lines'], 37);
    t.is(out.stats?.['requests'], 37);
    t.is(out.stats?.['firstTimestamp'], '2017-09-11T19:55:05.000Z');
    const imp = out.findings.find((f) => f.ruleId === AUDIT_RULES.impersonation)!;
    t.is(imp.status, 'fail');
    t.regex(imp.message, /system:admin as bob/);
  });

  test('conformance: falco traces (no apiVersion, sorted keys) give the expected findings', async (t) => {
    const cases: [string, string, FindingStatus][] = [
      ['falco_k8s_audit_anonymous_creates_namespace_foo.json', AUDIT_RULES.anonymous, 'fail'],
      ['falco_k8s_audit_attach_cluster_admin_role.json', AUDIT_RULES.clusterAdmin, 'fail'],
      ['falco_k8s_audit_attach_pod.json', AUDIT_RULES.exec, 'fail'],
      ['falco_k8s_audit_exec_pod.json', AUDIT_RULES.exec, 'fail'],
      ['falco_k8s_audit_create_nginx_pod_privileged.json', AUDIT_RULES.privileged, 'fail'],
      ['falco_k8s_audit_create_nginx_pod_hostnetwork.json', AUDIT_RULES.privileged, 'fail'],
      ['falco_k8s_audit_create_nginx_pod_sensitive_mount.json', AUDIT_RULES.privileged, 'pass'],
      ['falco_k8s_audit_delete_clusterrolebinding.json', AUDIT_RULES.rbac, 'info'],
      ['falco_k8s_audit_create_kube_system_secret.json', AUDIT_RULES.secrets, 'pass'],
      ['falco_k8s_audit_create_configmap_sensitive_values.json', AUDIT_RULES.anonymous, 'pass'],
    ];
    for (const [f, rule, status] of cases) {
      const src = auditLogSource([file(f)], noGaps);
      const c = ctx();
      const out = src.normalize(await src.read(c), c);
      t.is(out.findings.find((x) => x.ruleId === rule)?.status, status, `${f} ${rule}`);
    }
  });

  test('conformance: rbac-tool JSONL (three levels, no trailing newline)', async (t) => {
    const r = await readAuditLogs([file('rbac-tool_auditgen_testdata-01.jsonl')], {
      ...DEFAULT_OPTIONS,
      ...noGaps,
    });
    t.is(r.summary.stats.requests, 3);
    t.deepEqual(r.summary.levels, { Metadata: 1, Request: 1, RequestResponse: 1 });
    t.is(r.summary.stats.fastPath, 3);
  });
}
