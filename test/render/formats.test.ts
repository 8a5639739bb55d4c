/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument --
   parsed output documents are checked against their JSON schemas, not by static types. */
import test from 'ava';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Artifact } from '../../src/model/types.ts';
import { FORMATS, renderAll } from '../../src/render/index.ts';
import { csvCell } from '../../src/render/csv.ts';
import { oscalControlId, uuidV5 } from '../../src/render/oscal.ts';
import { sha256Hex } from '../../src/util/hash.ts';
import { makeModel } from '../fixtures/render/model.ts';
import { sarifSubsetSchema } from './sarif-subset.schema.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const schemas = path.resolve(here, '../schemas');
const now = (): Date => new Date('2026-11-20T10:00:00Z');
const text = (a: Artifact | undefined): string => String(a?.body ?? '');
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function ajv(): Ajv {
  const a = new Ajv({ allErrors: true, strict: false });
  addFormats(a);
  return a;
}

const model = makeModel({ findings: 300 });
const textFormats = FORMATS.filter((f) => f !== 'pdf' && f !== 'html');
const all = await renderAll(model, [...textFormats], { now });
const byName = new Map(all.map((a) => [a.filename, a]));

test('renderAll gives one artifact per file, in format order', (t) => {
  t.deepEqual(
    all.map((a) => a.filename),
    ['report.json', 'controls.csv', 'findings.csv', 'report.sarif', 'report.oscal.json', 'report.hdf.json'],
  );
  for (const a of all) t.true(text(a).length > 100, a.filename);
});

test('report.json is the model, 2-space indented, keys in builder order, deterministic', async (t) => {
  const body = text(byName.get('report.json'));
  t.deepEqual(JSON.parse(body), model);
  t.true(body.startsWith('{\n  "schemaVersion": "1",\n  "reportId"'));
  t.true(body.endsWith('}\n'));
  const again = await renderAll(model, ['json'], { now });
  t.is(sha256Hex(text(again[0])), sha256Hex(body));
});

test('unknown formats and frameworks are usage errors', async (t) => {
  await t.throwsAsync(renderAll(model, ['docx']), { code: 'usage', message: /docx/ } as never);
  await t.throwsAsync(renderAll(model, ['json'], { frameworks: ['hipaa'] }), { message: /hipaa/ });
});

test('frameworks subset filters every format', async (t) => {
  const out = await renderAll(model, ['json', 'csv', 'oscal'], { frameworks: ['soc2-2017'], now });
  const json = JSON.parse(text(out[0]));
  t.deepEqual(
    json.frameworks.map((f: { id: string }) => f.id),
    ['soc2-2017'],
  );
  t.deepEqual(json.scope.frameworks, ['soc2-2017']);
  t.is(json.findings.length, model.findings.length, 'findings are kept');
  const controls = text(out.find((a) => a.filename === 'controls.csv'))
    .trim()
    .split('\r\n')
    .slice(1);
  t.true(controls.length === 7 && controls.every((l) => l.startsWith('soc2-2017,')));
  const oscal = text(out.find((a) => a.filename === 'report.oscal.json'));
  t.false(oscal.includes('pci-dss-4.0.1_'));
  t.true(oscal.includes('soc2-2017_CC6.1'));
});

test('csv cells: RFC 4180 quoting and formula-injection guard', (t) => {
  t.is(csvCell('plain'), 'plain');
  t.is(csvCell('a,b'), '"a,b"');
  t.is(csvCell('say "hi"'), '"say ""hi"""');
  t.is(csvCell('two\nlines'), '"two\nlines"');
  t.is(csvCell('=SUM(A1)'), "'=SUM(A1)");
  t.is(csvCell('+1'), "'+1");
  t.is(csvCell('-cmd'), "'-cmd");
  t.is(csvCell('@x'), "'@x");
  t.is(csvCell('=1,2'), `"'=1,2"`);
  t.is(csvCell(42), '42');
  t.is(csvCell(undefined), '');
});

test('findings.csv: header, one row per finding, CRLF, the nasty message guarded and quoted', (t) => {
  const body = text(byName.get('findings.csv'));
  t.true(
    body.startsWith(
      'id,source,rule,variant,status,native_status,severity,resource_kind,resource_namespace,resource_name,node,message,controls\r\n',
    ),
  );
  t.true(body.endsWith('\r\n'));
  t.is(body.split('\r\n').length - 2, model.findings.length);
  t.true(body.includes(`"'=HYPERLINK(""http://evil"") <script>alert(1)</script> ""quoted"", commas"`));
  t.true(body.includes(',支付,'));
  const controls = text(byName.get('controls.csv'));
  t.true(
    controls.startsWith(
      'framework,control,title,status,coverage,findings,explanation,waivers,attestation\r\n',
    ),
  );
  t.regex(controls, /\r\npci-dss-4\.0\.1,1\.3\.1,[^\r]*,waived,partial,/);
  // a waived control names its waivers, an attested one its attestation, in their own columns
  const waived = model.frameworks.flatMap((f) => f.controls).find((c) => c.waivers?.length)!;
  t.true(
    controls.includes(
      `${waived.waivers![0]!.id} (${waived.waivers![0]!.origin}; owner ${waived.waivers![0]!.owner}`,
    ),
  );
  const attested = model.frameworks.flatMap((f) => f.controls).find((c) => c.attestation)!;
  t.true(controls.includes(`${attested.attestation!.by}: ${attested.attestation!.evidence}`));
});

test('report.sarif validates (SARIF 2.1.0 subset schema) and carries rules, controls and fingerprints', (t) => {
  const doc = JSON.parse(text(byName.get('report.sarif')));
  const validate = ajv().compile(sarifSubsetSchema);
  t.true(validate(doc), JSON.stringify(validate.errors?.slice(0, 3)));
  t.is(doc.version, '2.1.0');
  t.deepEqual(
    doc.runs.map((r: { tool: { driver: { name: string } } }) => r.tool.driver.name),
    ['kube-bench', 'kubescape', 'kubeproof-rbac', 'kubeproof-workloads', 'kubeproof-audit-log'],
  );
  const ks = doc.runs[1];
  t.is(ks.tool.driver.version, 'v3.0.21');
  const rule = ks.tool.driver.rules.find((r: { id: string }) => r.id === 'C-0057');
  t.is(rule.shortDescription.text, 'Privileged container');
  t.true(rule.properties.controls.includes('nist-800-53-r5/CM-7'));
  const fails = model.findings.filter((f) => f.source === 'kubescape' && f.status === 'fail');
  const manual = model.findings.filter((f) => f.source === 'kubescape' && f.status === 'manual');
  const waived = model.findings.filter((f) => f.source === 'kubescape' && f.status === 'waived');
  t.is(ks.results.length, fails.length + manual.length + waived.length);
  for (const r of ks.results) {
    t.is(ks.tool.driver.rules[r.ruleIndex].id, r.ruleId);
    t.truthy(r.partialFingerprints['kubeproof/findingId']);
    t.truthy(r.locations[0].logicalLocations[0].fullyQualifiedName);
  }
  t.true(ks.results.some((r: { kind: string; level: string }) => r.kind === 'review' && r.level === 'none'));
  const audit = doc.runs[4];
  t.false(audit.invocations[0].executionSuccessful);
  t.regex(audit.invocations[0].toolExecutionNotifications[0].message.text, /permission denied/);
  // a check that could not run is a notification tied to its rule, never a result (and never a pass)
  const errors = model.findings.filter((f) => f.status === 'error');
  t.true(errors.length > 0, 'the fixture model has checks that could not run');
  type Note = {
    level: string;
    message: { text: string };
    associatedRule?: { id: string; index: number };
    properties?: { findingId: string };
  };
  type Run = {
    tool: { driver: { rules: { id: string }[] } };
    invocations: { toolExecutionNotifications?: Note[] }[];
    results: { partialFingerprints: Record<string, string> }[];
  };
  const noted: string[] = [];
  for (const run of doc.runs as Run[]) {
    const resultIds = new Set(run.results.map((r) => r.partialFingerprints['kubeproof/findingId']));
    for (const n of run.invocations[0]!.toolExecutionNotifications ?? []) {
      if (!n.properties) continue;
      noted.push(n.properties.findingId);
      t.is(n.level, 'error');
      t.is(run.tool.driver.rules[n.associatedRule!.index]!.id, n.associatedRule!.id);
      t.regex(n.message.text, /could not run/);
      t.false(resultIds.has(n.properties.findingId));
    }
  }
  t.deepEqual(noted.sort(), errors.map((f) => f.id).sort());
});

test('report.sarif: waived failures and scanner exceptions are suppressed results (accepted), naming the waiver', async (t) => {
  // A copy of the model where one failing finding counts only in waived controls, and one scanner exception.
  const m = structuredClone(model);
  const controls = m.frameworks.flatMap((f) => f.controls);
  const waivedControl = controls.find((c) => c.status === 'waived' && c.waivers?.length)!;
  const f = m.findings.find((x) => x.status === 'fail')!;
  for (const c of controls.filter((x) => x.findingIds.includes(f.id))) {
    c.status = 'waived';
    c.waivers = waivedControl.waivers!;
  }
  const excepted = m.findings.find((x) => x.status === 'fail' && x.id !== f.id && x.source === 'kubescape')!;
  excepted.status = 'waived';
  const still = m.findings.find(
    (x) => x.status === 'fail' && controls.some((c) => c.findingIds.includes(x.id) && c.status === 'fail'),
  )!;
  const [sarif] = await renderAll(m, ['sarif'], { now });
  type Result = {
    partialFingerprints: Record<string, string>;
    suppressions?: {
      kind: string;
      status: string;
      justification: string;
      properties?: { waiverId: string };
    }[];
  };
  const doc = JSON.parse(text(sarif)) as { runs: { results: Result[] }[] };
  const validate = ajv().compile(sarifSubsetSchema);
  t.true(validate(doc), JSON.stringify(validate.errors?.slice(0, 3)));
  const byId = new Map(
    doc.runs.flatMap((r) => r.results.map((x) => [x.partialFingerprints['kubeproof/findingId']!, x])),
  );
  const w = waivedControl.waivers![0]!;
  const sup = byId.get(f.id)!.suppressions!;
  t.deepEqual(
    sup.map((x) => [x.kind, x.status, x.properties?.waiverId]),
    [['external', 'accepted', w.id]],
  );
  t.true(sup[0]!.justification.startsWith(`kubeproof waiver ${w.id}: ${w.reason} (owner ${w.owner}`));
  t.regex(byId.get(excepted.id)!.suppressions![0]!.justification, /^kubescape exception: /);
  t.is(
    byId.get(still.id)!.suppressions,
    undefined,
    'a failure that still counts somewhere is not suppressed',
  );
});

test('report.sarif validates against the official OASIS schema when KUBEPROOF_SARIF_SCHEMA is set', (t) => {
  const file = process.env['KUBEPROOF_SARIF_SCHEMA'];
  if (!file || !existsSync(file)) {
    t.log(
      'skipped: KUBEPROOF_SARIF_SCHEMA not set (official schema not committed, see test/schemas/PROVENANCE.md)',
    );
    t.pass();
    return;
  }
  const schema = JSON.parse(readFileSync(file, 'utf8'));
  delete schema.$schema;
  schema.$id = schema.id;
  delete schema.id;
  const validate = ajv().compile(schema);
  t.true(
    validate(JSON.parse(text(byName.get('report.sarif')))),
    JSON.stringify(validate.errors?.slice(0, 3)),
  );
});

test('the committed OSCAL schema is the NIST v1.1.3 release asset', (t) => {
  const bytes = readFileSync(path.join(schemas, 'oscal_assessment-results_schema.json'));
  t.is(sha256Hex(bytes), 'd9e34757f0c12aff61f52b821f0b8f83ba0ba75b3a149a202b08ba82f82bc4c3');
});

test('report.oscal.json validates against the NIST OSCAL 1.1.3 assessment-results schema', async (t) => {
  const schema = JSON.parse(readFileSync(path.join(schemas, 'oscal_assessment-results_schema.json'), 'utf8'));
  const validate = ajv().compile(schema);
  const doc = JSON.parse(text(byName.get('report.oscal.json')));
  t.true(validate(doc), JSON.stringify(validate.errors?.slice(0, 3), null, 1));
  const ar = doc['assessment-results'];
  t.is(ar.metadata['oscal-version'], '1.1.3');
  t.is(ar['import-ap'].href, '#kubeproof-assessment-plan');
  const result = ar.results[0];
  // the fixture's audit-log run failed, so the --since window bounded nothing read: the result starts with
  // the first collection
  t.is(result.start, '2026-11-20T09:10:00.000Z');
  const included = result['reviewed-controls']['control-selections'][0]['include-controls'].map(
    (c: { 'control-id': string }) => c['control-id'],
  );
  t.true(included.includes('ac-6.9'));
  t.true(included.includes('pci-dss-4.0.1_7.2.1'));
  const excluded = result['reviewed-controls']['control-selections'][0]['exclude-controls'].map(
    (c: { 'control-id': string }) => c['control-id'],
  );
  t.true(excluded.includes('pci-dss-4.0.1_9.4.1'), 'not-applicable controls are excluded');
  const byTarget = new Map(
    result.findings.map((f: { target: { 'target-id': string } }) => [f.target['target-id'], f]),
  );
  const pci = model.frameworks[0]!;
  for (const c of pci.controls.filter((x) => x.status !== 'not-applicable')) {
    const f = byTarget.get(`pci-dss-4.0.1_${c.controlId}`) as { target: { status: { state: string } } };
    t.is(
      f.target.status.state,
      c.status === 'pass' || c.status === 'attested' ? 'satisfied' : 'not-satisfied',
      c.controlId,
    );
  }
  const obs = result.observations[0];
  t.deepEqual(obs.methods, ['TEST']);
  t.regex(obs['relevant-evidence'][0].href, /^report\.json#\/evidence\/\d+$/);
  const again = JSON.parse(text((await renderAll(model, ['oscal'], { now }))[0]));
  t.is(again['assessment-results'].uuid, ar.uuid, 'uuids are deterministic');
});

test('uuidV5 and OSCAL control ids', (t) => {
  t.regex(uuidV5('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is(uuidV5('x'), uuidV5('x'));
  t.not(uuidV5('x'), uuidV5('y'));
  // RFC 4122 appendix B test vector: v5 of "www.example.com" in the DNS namespace.
  t.is(
    uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'),
    '2ed6657d-e927-568b-95e1-2665a8aea6a2',
  );
  t.is(oscalControlId('nist-800-53-r5', 'AC-6(9)'), 'ac-6.9');
  t.is(oscalControlId('iso27001-2022', 'A.8.2'), 'iso27001-2022_A.8.2');
});

const hdfSchema = {
  type: 'object',
  required: ['platform', 'profiles', 'statistics', 'version'],
  properties: {
    platform: { type: 'object', required: ['name', 'release'] },
    version: { type: 'string' },
    statistics: { type: 'object', properties: { duration: { type: 'number', minimum: 0 } } },
    profiles: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'sha256', 'supports', 'attributes', 'groups', 'controls'],
        properties: {
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          groups: { type: 'array', items: { type: 'object', required: ['id', 'controls'] } },
          controls: {
            type: 'array',
            items: {
              type: 'object',
              required: [
                'id',
                'title',
                'desc',
                'impact',
                'refs',
                'tags',
                'code',
                'source_location',
                'results',
              ],
              properties: {
                impact: { type: 'number', minimum: 0, maximum: 1 },
                tags: {
                  type: 'object',
                  required: ['nist'],
                  properties: { nist: { type: 'array', items: { type: 'string' } } },
                },
                results: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['status', 'code_desc', 'start_time'],
                    properties: {
                      status: { enum: ['passed', 'failed', 'skipped', 'error'] },
                      start_time: { type: 'string', format: 'date-time' },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

test('report.hdf.json has the InSpec exec-json shape Heimdall reads, with NIST tags', (t) => {
  const doc = JSON.parse(text(byName.get('report.hdf.json')));
  const validate = ajv().compile(hdfSchema);
  t.true(validate(doc), JSON.stringify(validate.errors?.slice(0, 3)));
  t.is(doc.platform.release, 'v1.31.4');
  const ks = doc.profiles.find((p: { name: string }) => p.name === 'kubeproof-kubescape');
  const c57 = ks.controls.find((c: { id: string }) => c.id === 'C-0057');
  t.is(c57.impact, 0.7);
  t.true(c57.tags.nist.includes('CM-7'));
  t.true(c57.tags['pci-dss-4.0.1'].includes('2.2.5'));
  const statuses = new Set(
    doc.profiles.flatMap((p: { controls: { results: { status: string }[] }[] }) =>
      p.controls.flatMap((c) => c.results.map((r) => r.status)),
    ),
  );
  t.deepEqual([...statuses].sort(), ['error', 'failed', 'passed', 'skipped']);
  const audit = doc.profiles.find((p: { name: string }) => p.name === 'kubeproof-audit-log');
  t.is(audit.status, 'failed');
});

test('report.hdf.json: a rule whose every failure is waived carries waiver_data naming the kubeproof waivers', async (t) => {
  const m = structuredClone(model);
  const controls = m.frameworks.flatMap((f) => f.controls);
  const waivedControl = controls.find((c) => c.status === 'waived' && c.waivers?.length)!;
  // every failing finding of one rule counts only in waived controls
  const f = m.findings.find((x) => x.status === 'fail')!;
  const sameRule = m.findings.filter(
    (x) =>
      x.source === f.source &&
      x.ruleId === f.ruleId &&
      x.ruleVariant === f.ruleVariant &&
      x.status === 'fail',
  );
  for (const x of sameRule) {
    for (const c of controls.filter((cc) => cc.findingIds.includes(x.id))) {
      c.status = 'waived';
      c.waivers = waivedControl.waivers!;
    }
  }
  const [hdf] = await renderAll(m, ['hdf'], { now });
  const doc = JSON.parse(text(hdf)) as {
    profiles: { controls: { id: string; waiver_data?: Record<string, unknown> }[] }[];
  };
  const validate = ajv().compile(hdfSchema);
  t.true(validate(doc), JSON.stringify(validate.errors?.slice(0, 3)));
  const key = f.ruleVariant ? `${f.ruleVariant}/${f.ruleId}` : f.ruleId;
  const all = doc.profiles.flatMap((p) => p.controls);
  const ctl = all.find((c) => c.id === key)!;
  const w = waivedControl.waivers![0]!;
  t.is(ctl.waiver_data?.['run'], true);
  t.is(ctl.waiver_data?.['skipped_due_to_waiver'], false);
  t.regex(String(ctl.waiver_data?.['justification']), new RegExp(`kubeproof waiver ${w.id}: `));
  t.is(ctl.waiver_data?.['expiration_date'], w.expires);
  // rules with a failure that still counts are not waived
  t.true(all.some((c) => c.id !== key && c.waiver_data === undefined));
});
