import test from 'ava';
import {
  identifyCheck,
  inferBenchmark,
  resolveDeclared,
  scoreBenchmarks,
} from '../../../src/sources/kube-bench/infer.ts';
import { stubBundle } from '../../support/mapping-stub.ts';
import { fixtureBundle, memReader, run } from './_helpers.ts';

// Two benchmarks that renumber one check and reword another, as CIS versions do.
const bundle = stubBundle([
  {
    id: 'cis-1.20',
    aliases: ['cis-1.20'],
    checks: {
      '4.2.1': 'Ensure that the anonymous-auth argument is set to false (Automated)',
      '4.2.6': 'Ensure that the --protect-kernel-defaults argument is set to true (Automated)',
      '4.2.10':
        'Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate (Manual)',
      '4.2.12': 'Verify that the RotateKubeletServerCertificate argument is set to true (Manual)',
    },
  },
  {
    id: 'cis-1.8',
    aliases: ['cis-1.8', '1.8'],
    checks: {
      '4.2.1': 'Ensure that the --anonymous-auth argument is set to false (Automated)',
      '4.2.6': 'Ensure that the --make-iptables-util-chains argument is set to true (Automated)',
      '4.2.9':
        'Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate (Manual)',
      '4.2.11': 'Verify that the RotateKubeletServerCertificate argument is set to true (Manual)',
    },
  },
  {
    id: 'eks-stig-kubernetes-v1r6',
    platform: 'stig',
    checks: { 'V-242390': 'The Kubernetes API server must have anonymous authentication disabled' },
  },
]);

test('declared versions resolve through ids and aliases only', (t) => {
  t.is(resolveDeclared('cis-1.8', bundle), 'cis-1.8');
  t.is(resolveDeclared('1.8', bundle), 'cis-1.8');
  t.is(resolveDeclared('1.15', bundle), undefined);
  t.is(resolveDeclared(undefined, bundle), undefined);
});

test('inference picks the benchmark matching most (id, fingerprint) pairs with a clear margin', (t) => {
  const checks = [
    { id: '4.2.1', text: 'Ensure that the --anonymous-auth argument is set to false (Scored)' },
    { id: '4.2.6', text: 'Ensure that the --make-iptables-util-chains argument is set to true (Automated)' },
    {
      id: '4.2.9',
      text: 'Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate (Manual)',
    },
  ];
  // Punctuation does not count: '--anonymous-auth' and 'anonymous-auth' have the same fingerprint.
  t.deepEqual(scoreBenchmarks(checks, bundle), [
    { benchmark: 'cis-1.8', matched: 3 },
    { benchmark: 'cis-1.20', matched: 1 },
  ]);
  const r = inferBenchmark(checks, bundle);
  t.is(r.benchmark, 'cis-1.8');
  t.is(r.how, 'inferred');
  t.regex(r.explanation, /inferred cis-1\.8: 3 of 3 checks/);
});

test('no clear winner: no group benchmark; each check identified alone', (t) => {
  const checks = [
    { id: '4.2.6', text: 'Ensure that the --protect-kernel-defaults argument is set to true (Automated)' },
    {
      id: '4.2.9',
      text: 'Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate (Manual)',
    },
  ];
  const r = inferBenchmark(checks, bundle);
  t.is(r.benchmark, undefined);
  t.regex(r.explanation, /no benchmark matched clearly \(best: cis-1\.20 1\/2, cis-1\.8 1\/2\)/);
  t.deepEqual(identifyCheck(checks[0]!, bundle), { benchmark: 'cis-1.20', candidates: ['cis-1.20'] });
  t.deepEqual(identifyCheck(checks[1]!, bundle), { benchmark: 'cis-1.8', candidates: ['cis-1.8'] });
  t.is(identifyCheck({ id: '9.9', text: 'nothing' }, bundle), undefined);
});

test('too few matches: nothing inferred', (t) => {
  const checks = [
    { id: '4.2.1', text: 'Ensure that the --anonymous-auth argument is set to false (Automated)' },
    { id: '7.1', text: 'a check no benchmark has' },
    { id: '7.2', text: 'another one' },
  ];
  t.is(inferBenchmark(checks, bundle).benchmark, undefined);
});

test('normalize records declared / inferred / fingerprint / unidentified per finding', async (t) => {
  const mk = (version: string | undefined, results: { id: string; text: string }[]): string =>
    JSON.stringify({
      Controls: [
        {
          id: '4',
          ...(version ? { version } : {}),
          text: 'Worker Node Security Configuration',
          node_type: 'node',
          tests: [
            {
              section: '4.2',
              desc: 'Kubelet',
              results: results.map((r) => ({
                test_number: r.id,
                test_desc: r.text,
                status: 'PASS',
                audit: 'x',
                scored: true,
              })),
            },
          ],
        },
      ],
    });
  const reader = memReader({
    'declared.json': mk('1.8', [{ id: '4.2.1', text: 'whatever the text' }]),
    'inferred.json': mk(undefined, [
      { id: '4.2.1', text: 'Ensure that the anonymous-auth argument is set to false (Automated)' },
      {
        id: '4.2.12',
        text: 'Verify that the RotateKubeletServerCertificate argument is set to true (Manual)',
      },
    ]),
    'fp.json': mk('1.15', [
      { id: '4.2.6', text: 'Ensure that the --protect-kernel-defaults argument is set to true (Automated)' },
      {
        id: '4.2.9',
        text: 'Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate (Manual)',
      },
      { id: '4.2.77', text: 'Ensure something nobody defined' },
    ]),
    'stig.txt':
      '[INFO] 2 Control Plane Configuration\n[INFO] 2.1 DISA Category Code I\n' +
      '[FAIL] V-242390 The Kubernetes API server must have anonymous authentication disabled (Automated)\n',
  });
  const out = await run(['a=declared.json', 'b=inferred.json', 'c=fp.json', 'd=stig.txt'], bundle, reader);
  const get = (node: string, id: string) =>
    out.findings.find((f) => f.resource?.name === node && f.ruleId === id);
  t.like(get('a', '4.2.1'), {
    ruleVariant: 'cis-1.8',
    properties: { identification: 'declared', benchmark: 'cis-1.8' },
  });
  t.like(get('b', '4.2.12'), {
    ruleVariant: 'cis-1.20',
    properties: { identification: 'inferred', benchmark: 'cis-1.20' },
  });
  t.like(get('c', '4.2.6'), { ruleVariant: 'cis-1.20', properties: { identification: 'fingerprint' } });
  t.like(get('c', '4.2.9'), { ruleVariant: 'cis-1.8', properties: { identification: 'fingerprint' } });
  t.like(get('c', '4.2.77'), {
    ruleVariant: '1.15',
    properties: { identification: 'unidentified', benchmark: null },
  });
  t.like(get('d', 'V-242390'), {
    ruleVariant: 'eks-stig-kubernetes-v1r6',
    status: 'fail',
    properties: { identification: 'inferred' },
  });
  t.true(
    out.notes.some(
      (n) =>
        n.startsWith(
          'fp.json: targets node: JSON version "1.15" is not a benchmark known to mappings test; no benchmark matched clearly',
        ) && n.endsWith('2 of 3 checks identified, 1 unidentified (kept, unmapped)'),
    ),
  );
});

test('normalize is pure: same input and bundle, same output', async (t) => {
  const reader = memReader({
    'x.txt':
      '[INFO] 4 Worker\n[INFO] 4.2 Kubelet\n[PASS] 4.2.1 Ensure that the --anonymous-auth argument is set to false (Automated)\n',
  });
  const a = await run(['n=x.txt'], fixtureBundle(), reader);
  const b = await run(['n=x.txt'], fixtureBundle(), reader);
  t.deepEqual(a, b);
});
