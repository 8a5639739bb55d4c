import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/errors.ts';
import { assess } from '../../src/mapping/assess.ts';
import { loadMappings } from '../../src/mapping/load.ts';
import { governance, loadGovernance } from '../../src/mapping/waivers.ts';
import type { Finding, RunRecord } from '../../src/model/types.ts';

const MINI = fileURLToPath(new URL('../fixtures/mappings-mini/', import.meta.url));
const NOW = new Date('2026-11-23T12:00:00Z');

async function files(t: { teardown: (fn: () => Promise<void>) => void }, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kp-waiver-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'w.yaml'), text);
  return dir;
}

const finding = (over: Partial<Finding> = {}): Finding => ({
  id: 'f1',
  source: 'kube-bench',
  ruleId: '1.2.1',
  ruleVariant: 'cis-1.10',
  title: 't',
  status: 'fail',
  nativeStatus: 'FAIL',
  severity: 'high',
  resource: { kind: 'Node', name: 'cp-1', node: 'cp-1' },
  message: 'm',
  evidenceIds: [],
  ...over,
});
const runs: RunRecord[] = [
  {
    source: 'kube-bench',
    status: 'ok',
    startedAt: '',
    durationMs: 0,
    findingCount: 1,
    inputs: [],
    notes: [],
  },
];

const FILE = `
waivers:
  - id: W-1
    rule: kube-bench:cis-1.10:1.2.1
    scope: { node: cp-* }
    reason: compensating control documented in SEC-1
    owner: platform
    approver: ciso
    expires: 2026-12-15
  - id: W-EXPIRED
    control: nist-800-53-r5/AC-14
    reason: old
    owner: platform
    expires: 2026-11-22
  - id: W-OTHER-CLUSTER
    control: nist-800-53-r5/AC-14
    scope: { cluster: staging-* }
    reason: staging only
    owner: platform
    expires: 2027-06-30
attestations:
  - control: nist-800-53-r5/PL-1
    by: Jane Doe (CISO)
    evidence: POL-001 v4
    date: 2026-09-12
    expires: 2027-09-12
  - control: pci-dss-4.0.1/12.1.1
    by: Jane Doe (CISO)
    evidence: POL-001 v3
    date: 2025-01-01
    expires: 2026-01-01
`;

test('a matching unexpired waiver waives the control; expired and out-of-scope ones do not apply', async (t) => {
  const dir = await files(t, FILE);
  const g = governance(await loadGovernance([dir]), NOW, 'prod-eu-1');
  const bundle = await loadMappings(MINI);
  const a = assess([finding()], bundle, { frameworks: ['nist-800-53-r5', 'pci-dss-4.0.1'], runs, ...g });
  const ac14 = a.frameworks
    .find((f) => f.id === 'nist-800-53-r5')!
    .controls.find((c) => c.controlId === 'AC-14')!;
  t.is(ac14.status, 'waived');
  t.deepEqual(
    ac14.waivers?.map((w) => w.id),
    ['W-1'],
  );
  t.is(ac14.waivers?.[0]?.approver, 'ciso');
  const pl1 = a.frameworks
    .find((f) => f.id === 'nist-800-53-r5')!
    .controls.find((c) => c.controlId === 'PL-1')!;
  t.is(pl1.status, 'attested');
  t.is(pl1.attestation?.evidence, 'POL-001 v4');
  const pci12 = a.frameworks
    .find((f) => f.id === 'pci-dss-4.0.1')!
    .controls.find((c) => c.controlId === '12.1.1')!;
  t.is(pci12.status, 'manual', 'an expired attestation falls back to manual');
  const states = Object.fromEntries(g.entries().map((e) => [e.id, e.state]));
  t.is(states['W-1'], 'expiring', 'expires within 30 days');
  t.is(states['W-EXPIRED'], 'expired');
  t.is(states['W-OTHER-CLUSTER'], 'unused');
  t.is(states['pci-dss-4.0.1/12.1.1@2025-01-01'], 'expired');
  t.is(states['nist-800-53-r5/PL-1@2026-09-12'], 'active');
});

test('a waiver scoped to another node does not match', async (t) => {
  const dir = await files(t, FILE);
  const g = governance(await loadGovernance([dir]), NOW, 'prod');
  t.is(
    g.waiverFor(finding({ resource: { kind: 'Node', name: 'worker-1', node: 'worker-1' } }), 'x/y'),
    undefined,
  );
  t.is(g.waiverFor(finding(), 'x/y')?.id, 'W-1');
});

test('the expiry day itself still applies; the day after does not', async (t) => {
  const dir = await files(t, FILE);
  const gov = await loadGovernance([dir]);
  t.truthy(governance(gov, new Date('2026-12-15T23:00:00Z'), 'p').waiverFor(finding(), 'a/b'));
  t.falsy(governance(gov, new Date('2026-12-16T00:00:01Z'), 'p').waiverFor(finding(), 'a/b'));
});

test('invalid waiver files are clear errors naming the file and the field', async (t) => {
  const dir = await files(
    t,
    'waivers:\n  - id: W-1\n    control: pci-dss-4.0.1/1.1.1\n    reason: r\n    owner: o\n',
  );
  const err = await t.throwsAsync(loadGovernance([dir]), { instanceOf: InputError });
  t.regex(err.message, /w\.yaml: invalid waiver\/attestation file/);
  t.regex(err.message, /waivers\[0\]\.expires: required, but missing/);
  const dir2 = await files(
    t,
    'waivers:\n  - id: W-1\n    control: a/b\n    rule: kube-bench:1.2.1\n    reason: r\n    owner: o\n    expires: 2027-01-01\n',
  );
  await t.throwsAsync(loadGovernance([dir2]), { message: /exactly one of "control" or "rule"/ });
  await t.throwsAsync(loadGovernance(['/nonexistent/waivers.yaml']), {
    message: /waiver or attestation file not found/,
  });
});

test('the shipped example file is valid', async (t) => {
  const g = await loadGovernance([
    fileURLToPath(new URL('../../mappings/waivers/examples/', import.meta.url)),
  ]);
  t.is(g.waivers.length, 1);
  t.is(g.attestations.length, 1);
});
