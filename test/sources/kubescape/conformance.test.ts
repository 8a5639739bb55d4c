/**
 * Conformance over every Kubescape output in ../shared/fixtures/kubescape (read in place, never copied;
 * see its PROVENANCE.md): each parses, and the per-status counts of our findings match the file's own
 * summaryDetails ResourceCounters where it has them. Secrets in resources[] never reach the output.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { normalizeKubescape } from '../../../src/sources/kubescape/normalize.ts';
import { isKubescapeJson } from '../../../src/sources/kubescape/schema.ts';
import { sha256Hex } from '../../../src/util/hash.ts';
import { sharedFixtures } from '../../support/shared.ts';
import { ctxFor } from './_helpers.ts';

interface SummaryShape {
  controls?: Record<string, { ResourceCounters?: Record<string, number> }>;
}

const dir = sharedFixtures('kubescape');

if (!dir) {
  test('Kubescape conformance: shared fixtures absent, reported as skipped', (t) => {
    t.log('skipped: ../shared/fixtures/kubescape not found (set KUBEPROOF_SHARED to the shared folder)');
    t.is(dir, undefined);
  });
} else {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();

  test('the shared Kubescape folder holds v1, v2 and summary outputs', (t) => {
    t.true(files.length >= 8);
  });

  for (const f of files) {
    test(`conformance: ${f}`, (t) => {
      const bytes = readFileSync(path.join(dir, f));
      const json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      t.true(isKubescapeJson(json));
      const out = normalizeKubescape(
        { inputs: [{ raw: { path: f, bytes, sha256: sha256Hex(bytes) } }] },
        ctxFor(),
      );
      t.true(out.findings.length > 0);
      t.is(out.partialError, undefined);
      t.false(
        out.notes.some((n) => n.includes('summaryDetails declares')),
        out.notes.join('\n'),
      );
      for (const e of out.evidence) t.is(e.sha256, sha256Hex(bytes));
      // Per-control counts against the file's own summaryDetails (results layouts only).
      const sd = json['summaryDetails'] as SummaryShape | undefined;
      if (sd?.controls && Array.isArray(json['results'])) {
        const native = new Map<string, { failed: number; excluded: number }>();
        for (const fd of out.findings) {
          if (!fd.resource && !fd.properties?.['resourceID']) continue;
          const c = native.get(fd.ruleId) ?? { failed: 0, excluded: 0 };
          if (fd.status === 'fail') c.failed++;
          if (fd.nativeStatus.startsWith('excluded')) c.excluded++;
          native.set(fd.ruleId, c);
        }
        let compared = 0;
        for (const [id, c] of Object.entries(sd.controls)) {
          const rc = c.ResourceCounters;
          if (!rc) continue;
          compared++;
          const got = native.get(id) ?? { failed: 0, excluded: 0 };
          t.is(got.failed, rc['failedResources'] ?? 0, `${f} ${id} failed`);
          t.is(got.excluded, rc['excludedResources'] ?? 0, `${f} ${id} excluded`);
        }
        t.true(compared > 0);
      }
      // resources[].object can hold Secrets and ConfigMaps: no data value may reach the output.
      const resources = Array.isArray(json['resources'])
        ? (json['resources'] as { object?: Record<string, unknown> }[])
        : [];
      const text = JSON.stringify(out);
      for (const r of resources) {
        for (const key of ['data', 'stringData'] as const) {
          const data = r.object?.[key];
          if (data && typeof data === 'object') {
            for (const v of Object.values(data as Record<string, unknown>)) {
              if (typeof v === 'string' && v.length >= 8)
                t.false(text.includes(v), `${f}: a ${key} value leaked`);
            }
          }
        }
      }
    });
  }
}
