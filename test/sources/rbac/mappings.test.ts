import test from 'ava';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { RBAC_RULE_IDS } from '../../../src/sources/rbac/index.ts';
import { WORKLOAD_RULE_IDS } from '../../../src/sources/workloads/index.ts';
import { SECTION5_VOCAB as SHARED_VOCAB } from '../../support/objective-vocab.ts';
import { loadYaml, projectRoot, sharedFrameworks } from './helpers.ts';

interface ObjectiveFile {
  reviewed: string;
  objectives: {
    id: string;
    title: string;
    severity: string;
    links: { control: string; relationship: string; coverage: string; rationale: string }[];
  }[];
}
interface RuleFile {
  source: string;
  rules: Record<string, { objectives?: string[]; outOfScope?: string }>;
}

const m = (p: string): string => path.join(projectRoot, 'mappings', p);
const own = ['objectives/rbac.yaml', 'objectives/workloads.yaml'].flatMap(
  (f) => (loadYaml(m(f)) as ObjectiveFile).objectives,
);
const ownIds = new Set(own.map((o) => o.id));

test('own objectives do not redefine the shared vocabulary and are unique', (t) => {
  t.is(ownIds.size, own.length);
  for (const id of ownIds) t.false(SHARED_VOCAB.includes(id), id);
  const policies = m('objectives/policies.yaml');
  if (existsSync(policies)) {
    const defined = new Set((loadYaml(policies) as ObjectiveFile).objectives.map((o) => o.id));
    for (const id of ownIds) t.false(defined.has(id), `${id} also defined in policies.yaml`);
  } else
    t.log('mappings/objectives/policies.yaml not present in this branch (defined by the kube-bench map)');
});

for (const [file, ids, source] of [
  ['sources/rbac.yaml', RBAC_RULE_IDS, 'rbac'],
  ['sources/workloads.yaml', WORKLOAD_RULE_IDS, 'workloads'],
] as const) {
  test(`${file} maps exactly the rule ids the source emits, to known objectives`, (t) => {
    const rf = loadYaml(m(file)) as RuleFile;
    t.is(rf.source, source);
    t.deepEqual(Object.keys(rf.rules).sort(), [...ids].sort());
    for (const [rule, entry] of Object.entries(rf.rules)) {
      t.true((entry.objectives?.length ?? 0) > 0, `${rule} has objectives`);
      for (const o of entry.objectives ?? [])
        t.true(ownIds.has(o) || SHARED_VOCAB.includes(o), `${rule} → ${o}`);
    }
  });
}

function csvIds(file: string, filter?: (cols: string[]) => boolean): Set<string> {
  const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  return new Set(
    lines
      .map((l) => l.split(','))
      .filter((c) => !filter || filter(c))
      .map((c) => c[0] as string),
  );
}

const fw = sharedFrameworks();
test('own objectives link all four frameworks with ids from the catalogues (PCI: defined requirements only)', (t) => {
  for (const o of own) {
    const fws = new Set(o.links.map((l) => l.control.split('/')[0]));
    t.deepEqual([...fws].sort(), ['iso27001-2022', 'nist-800-53-r5', 'pci-dss-4.0.1', 'soc2-2017'], o.id);
    for (const l of o.links) {
      t.true(['equal', 'subset', 'superset', 'intersects'].includes(l.relationship), `${o.id} ${l.control}`);
      t.true(['full', 'partial'].includes(l.coverage), `${o.id} ${l.control}`);
      t.true(l.rationale.length > 10 && !l.rationale.includes('\n'), `${o.id} ${l.control} rationale`);
    }
    t.true(['critical', 'high', 'medium', 'low', 'info'].includes(o.severity), o.id);
  }
  if (!fw) {
    t.log('skipped catalogue check: ../shared/frameworks not found (set KUBEPROOF_SHARED)');
    return;
  }
  const dir = path.join(fw, 'catalog-ids');
  const known: Record<string, Set<string>> = {
    'nist-800-53-r5': csvIds(path.join(dir, 'nist-sp800-53r5_controls.csv')),
    'pci-dss-4.0.1': csvIds(
      path.join(dir, 'pci-dss-4.0.1_requirement-ids.csv'),
      (c) => c[3] === 'defined-requirement',
    ),
    'soc2-2017': csvIds(path.join(dir, 'soc2-tsc-2017_criteria-ids.csv')),
    'iso27001-2022': csvIds(path.join(dir, 'iso27001-2022_annexA-ids.csv')),
  };
  for (const o of own) {
    for (const l of o.links) {
      const [f, id] = l.control.split('/') as [string, string];
      t.true(known[f]?.has(id), `${o.id}: ${l.control} not in the ${f} catalogue`);
    }
  }
});

test('docs/rules.md lists every rbac and workloads rule id in a table row', (t) => {
  const doc = readFileSync(path.join(projectRoot, 'docs/rules.md'), 'utf8');
  const rows = new Set([...doc.matchAll(/^\|\s*`([a-z.-]+)`\s*\|/gm)].map((m) => m[1]));
  for (const id of [...RBAC_RULE_IDS, ...WORKLOAD_RULE_IDS]) t.true(rows.has(id), id);
});
