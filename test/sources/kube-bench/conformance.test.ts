/**
 * Conformance over every real kube-bench output in ../shared/fixtures/kube-bench (read in place,
 * never copied; see its PROVENANCE.md): each parses, the counts match the file's own totals or
 * Summary lines, WARN never becomes pass, STIG ids survive, output is already redacted.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../../src/errors.ts';
import { isKubeBenchJson, recogniseOtherTool } from '../../../src/sources/kube-bench/schema.ts';
import type { SourceOutput } from '../../../src/sources/types.ts';
import { sha256Hex } from '../../../src/util/hash.ts';
import { redactText } from '../../../src/util/redact.ts';
import { stubBundle } from '../../support/mapping-stub.ts';
import { sharedFixtures } from '../../support/shared.ts';
import { run } from './_helpers.ts';

interface Counts {
  pass: number;
  fail: number;
  warn: number;
  info: number;
}
const zero = (): Counts => ({ pass: 0, fail: 0, warn: 0, info: 0 });
const KEY: Record<string, keyof Counts> = { PASS: 'pass', FAIL: 'fail', WARN: 'warn', INFO: 'info' };

const dir = sharedFixtures('kube-bench');

if (!dir) {
  test('kube-bench conformance: shared fixtures absent, reported as skipped', (t) => {
    t.log('skipped: ../shared/fixtures/kube-bench not found (set KUBEPROOF_SHARED to the shared folder)');
    t.is(dir, undefined);
  });
} else {
  const files = readdirSync(dir)
    .filter((f) => /\.(json|txt)$/.test(f))
    .sort();

  test('the shared kube-bench folder holds JSON and text outputs', (t) => {
    t.true(files.filter((f) => f.endsWith('.json')).length >= 5);
    t.true(files.filter((f) => f.endsWith('.txt')).length >= 3);
  });

  /** Counts from our output: one evidence per check, its excerpt keeps the native status. */
  function ours(out: SourceOutput): Counts {
    const c = zero();
    for (const e of out.evidence)
      c[KEY[String((e.excerpt as Record<string, unknown>)['status'])] as keyof Counts]++;
    return c;
  }

  /** Independent walk of kube-bench JSON: the statuses present, and the totals the file declares. */
  function walkJson(text: string): { present: Counts; declared?: Counts } {
    const doc = JSON.parse(text) as unknown;
    const targets = (Array.isArray(doc) ? doc : (doc as { Controls: unknown[] }).Controls) as Record<
      string,
      unknown
    >[];
    const present = zero();
    for (const t of targets) {
      for (const g of (t['tests'] as Record<string, unknown>[] | null) ?? []) {
        for (const r of (g['results'] as Record<string, unknown>[] | null) ?? [])
          present[KEY[String(r['status'])] as keyof Counts]++;
      }
    }
    const totals = Array.isArray(doc) ? undefined : (doc as { Totals?: Record<string, number> }).Totals;
    const sum = zero();
    let complete = true;
    for (const t of targets) {
      if (typeof t['total_pass'] !== 'number') complete = false;
      sum.pass += Number(t['total_pass'] ?? 0);
      sum.fail += Number(t['total_fail'] ?? 0);
      sum.warn += Number(t['total_warn'] ?? 0);
      sum.info += Number(t['total_info'] ?? 0);
    }
    const declared = totals
      ? {
          pass: totals['total_pass'] ?? 0,
          fail: totals['total_fail'] ?? 0,
          warn: totals['total_warn'] ?? 0,
          info: totals['total_info'] ?? 0,
        }
      : complete
        ? sum
        : undefined;
    return declared ? { present, declared } : { present };
  }

  /** The text's own Summary blocks (per target; `total` kept apart). */
  function textSummaries(text: string): { targets: Counts; total?: Counts } {
    const targets = zero();
    let total: Counts | undefined;
    let cur: Counts | undefined;
    for (const line of text.split(/\r?\n/)) {
      const h = /^== Summary(?: (\S+))? ==$/.exec(line.trim());
      if (h) {
        cur = h[1] === 'total' ? (total = zero()) : targets;
        continue;
      }
      const m = /^(\d+) checks (PASS|FAIL|WARN|INFO)$/.exec(line.trim());
      if (m && cur) cur[KEY[m[2] as string] as keyof Counts] += Number(m[1]);
      else if (line.trim() !== '') cur = undefined;
    }
    return total ? { targets, total } : { targets };
  }

  for (const f of files) {
    test(`conformance: ${f}`, async (t) => {
      const file = path.join(dir, f);
      const bytes = readFileSync(file);
      const text = bytes.toString('utf8');
      const out = await run([`conformance-node=${file}`], stubBundle());
      t.is(out.partialError, undefined);
      t.is(out.inputs[0]?.sha256, sha256Hex(bytes));
      const got = ours(out);
      t.is(out.stats?.['checks'], got.pass + got.fail + got.warn + got.info);

      if (f.endsWith('.txt')) {
        t.is(out.inputs[0]?.format, 'kube-bench-text');
        const s = textSummaries(text);
        t.deepEqual(got, s.targets, 'counts equal the Summary lines');
        if (s.total) t.deepEqual(got, s.total, 'counts equal the Summary total');
        t.false(out.notes.some((n) => n.includes(' declares ')));
      } else {
        t.regex(out.inputs[0]?.format ?? '', /^kube-bench-json-/);
        const w = walkJson(text);
        t.deepEqual(got, w.present, 'one finding per check present');
        if (w.declared && JSON.stringify(w.declared) === JSON.stringify(w.present)) {
          t.deepEqual(got, w.declared, 'counts equal the file Totals');
        } else if (w.declared) {
          // Trimmed CI fixtures: the declared totals do not match the checks present; we must say so.
          t.log(
            `${f}: totals declared ${JSON.stringify(w.declared)} but the file holds ${JSON.stringify(w.present)}`,
          );
          t.true(out.notes.some((n) => n.includes(' declare') && n.includes('trimmed or edited')));
        }
      }

      const warn = out.findings.filter((x) => x.nativeStatus === 'WARN');
      for (const x of warn)
        t.true(x.status === 'manual' || x.status === 'error', `${x.ruleId}: WARN → ${x.status}`);
      t.false(out.findings.some((x) => x.status === 'pass' && x.nativeStatus !== 'PASS'));
      for (const x of out.findings) {
        t.is(x.resource?.kind, 'Node');
        t.is(x.resource?.name, 'conformance-node');
        t.true(typeof x.properties?.['identification'] === 'string');
        t.true(x.evidenceIds.every((id) => out.evidence.some((e) => e.id === id)));
      }
      for (const e of out.evidence) {
        t.is(e.sha256, sha256Hex(bytes));
        if (f.endsWith('.json'))
          t.regex(e.locator.pointer ?? '', /^(\/Controls)?\/\d+\/tests\/\d+\/results\/\d+$/);
        else t.true((e.locator.line ?? 0) > 0);
      }
      // Values taken from the node (audit output, reasons, remediation) are already redacted: redacting
      // again changes nothing. The check text is the benchmark's own wording and is kept verbatim
      // (redactText would turn "basic authentication" into "basic [REDACTED]").
      for (const e of out.evidence) {
        for (const [k, v] of Object.entries(e.excerpt as Record<string, unknown>)) {
          if (typeof v === 'string' && k !== 'text') t.is(redactText(v), v, k);
        }
      }
      for (const x of out.findings) t.is(redactText(x.message), x.message);

      if (f.includes('stig')) {
        const ids = [...text.matchAll(/^\[(?:PASS|FAIL|WARN|INFO)\] (V-\d+) /gm)].map((m) => m[1]);
        t.true(ids.length > 50);
        t.deepEqual(
          [...new Set(out.findings.map((x) => x.ruleId))].sort(),
          [...new Set(ids)].sort(),
          'every STIG id survives',
        );
        t.true(out.findings.some((x) => x.ruleId === 'V-242390' && x.status === 'fail'));
        t.deepEqual([...new Set(out.findings.map((x) => x.properties?.['nodeType']))].sort(), [
          'controlplane',
          'managedservices',
          'node',
          'policies',
        ]);
      }
    });
  }

  test('conformance: benchmarks inferred from a bundle built from the declared JSON fixtures', async (t) => {
    // Fingerprints computed at test time from the real outputs that declare their benchmark.
    const declared: Record<string, string> = {
      'cis-1.20': 'hpe-cty_kube-bench.json',
      'cis-1.23': 'yusufcemalcelebi_kube-bench-output.json',
      'cis-1.12': 'mogamal_kube-bench-results.json',
      'cis-1.6': 'defectdojo_kube-bench-controls.json',
    };
    const bundle = stubBundle(
      Object.entries(declared).map(([id, f]) => {
        const doc = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as {
          Controls: Record<string, unknown>[];
        };
        const checks: Record<string, string> = {};
        for (const c of doc.Controls) {
          for (const g of (c['tests'] as Record<string, unknown>[]) ?? []) {
            for (const r of (g['results'] as Record<string, string>[]) ?? [])
              checks[r['test_number'] as string] = r['test_desc'] as string;
          }
        }
        return { id, aliases: [id], checks };
      }),
    );
    const yusuf = await run([`n=${path.join(dir, declared['cis-1.23'] as string)}`], bundle);
    t.true(
      yusuf.findings.every(
        (x) => x.properties?.['identification'] === 'declared' && x.ruleVariant === 'cis-1.23',
      ),
    );

    // Text output of a CIS 1.23-era run (its 5.2 is "Pod Security Standards"): inferred as a whole.
    const hpeText = await run([`n=${path.join(dir, 'hpe-cty_kube-bench.txt')}`], bundle);
    t.true(
      hpeText.findings.every(
        (x) => x.properties?.['identification'] === 'inferred' && x.ruleVariant === 'cis-1.23',
      ),
    );
    t.true(hpeText.notes.some((n) => /inferred cis-1\.23: 53 of 53 checks/.test(n)));

    // cis-1.20 node checks are word for word those of cis-1.23: no clear winner, so each check is
    // identified by fingerprint, and all land in one benchmark.
    const job = await run([`n=${path.join(dir, 'kube-bench_integration_cis-1.20_job-node.txt')}`], bundle);
    t.true(job.findings.every((x) => x.properties?.['identification'] === 'fingerprint'));
    t.is(new Set(job.findings.map((x) => x.ruleVariant)).size, 1);
    t.true(job.findings.every((x) => String(x.properties?.['candidates']).includes('cis-1.20')));

    // CIS 1.3 and the STIG are not in this bundle: unidentified, kept.
    const old = await run([`n=${path.join(dir, 'kube-bench_integration_cis-1.3_job-node.txt')}`], bundle);
    t.is(old.findings.length, 25);
    t.true(
      old.findings.every(
        (x) => x.properties?.['identification'] === 'unidentified' && x.ruleVariant === undefined,
      ),
    );
  });
}

const TOOL_FOLDERS: Record<string, string> = {
  kubescape: 'Kubescape',
  trivy: 'Trivy',
  polaris: 'Polaris',
  'cluster-dumps': 'kubectl (Kubernetes API objects)',
};

for (const [area, tool] of Object.entries(TOOL_FOLDERS)) {
  const other = sharedFixtures(area);
  if (!other) {
    test(`other tools' JSON (${area}): shared fixtures absent, reported as skipped`, (t) => {
      t.log(`skipped: ../shared/fixtures/${area} not found`);
      t.is(other, undefined);
    });
    continue;
  }
  test(`other tools' JSON (${area}) is never taken for kube-bench and is named as ${tool}`, async (t) => {
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)],
      );
    const files = walk(other).filter((f) => f.endsWith('.json'));
    t.true(files.length > 0);
    for (const file of files) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      t.false(isKubeBenchJson(json), file);
      t.is(recogniseOtherTool(json)?.tool, tool, file);
    }
    // Through the source: an InputError that names the tool.
    const first = files.sort()[0] as string;
    const err = await t.throwsAsync(run([first], stubBundle()), { instanceOf: InputError });
    t.regex(err?.message ?? '', new RegExp(`this looks like ${tool.replace(/[()]/g, '\\$&')} output`));
  });
}
