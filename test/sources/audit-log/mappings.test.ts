import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { AUDIT_RULES } from '../../../src/sources/audit-log/analyze.ts';
import { RELATIONSHIPS, SEVERITIES } from '../../../src/model/types.ts';
import { projectRoot, sharedDir } from './helpers.ts';

interface Link {
  control: string;
  relationship: string;
  coverage: string;
  rationale: string;
}
interface Obj {
  id: string;
  title: string;
  severity: string;
  links: Link[];
}
const objectives = parse(readFileSync(path.join(projectRoot, 'mappings/objectives/audit.yaml'), 'utf8')) as {
  reviewed: string;
  objectives: Obj[];
};
const ruleMap = parse(readFileSync(path.join(projectRoot, 'mappings/sources/audit-log.yaml'), 'utf8')) as {
  source: string;
  rules: Record<string, { objectives?: string[]; outOfScope?: string }>;
};
/** One CSV line into fields; handles double-quoted fields with commas. */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
const FRAMEWORKS = ['nist-800-53-r5', 'pci-dss-4.0.1', 'iso27001-2022', 'soc2-2017'];

test('objectives: unique k8s.audit.* ids, valid fields, all four frameworks linked', (t) => {
  t.regex(String(objectives.reviewed), /^\d{4}-\d{2}-\d{2}$/);
  const ids = objectives.objectives.map((o) => o.id);
  t.is(new Set(ids).size, ids.length);
  for (const o of objectives.objectives) {
    t.regex(o.id, /^k8s\.audit\.[a-z0-9-]+$/);
    t.true(o.title.length > 10);
    t.true((SEVERITIES as readonly string[]).includes(o.severity), o.id);
    const fws = new Set(o.links.map((l) => l.control.split('/')[0]));
    for (const fw of FRAMEWORKS) t.true(fws.has(fw), `${o.id} links ${fw}`);
    for (const l of o.links) {
      t.true((RELATIONSHIPS as readonly string[]).includes(l.relationship), `${o.id} ${l.control}`);
      t.true(l.coverage === 'partial' || l.coverage === 'full');
      t.true(l.rationale.length > 10);
    }
    const controls = o.links.map((l) => l.control);
    t.is(new Set(controls).size, controls.length, `${o.id}: duplicate link`);
  }
});

test('rule map: every rule the source emits maps to a defined objective, and nothing else', (t) => {
  t.is(ruleMap.source, 'audit-log');
  t.deepEqual(Object.keys(ruleMap.rules).sort(), Object.values(AUDIT_RULES).sort());
  const defined = new Set(objectives.objectives.map((o) => o.id));
  const used = new Set<string>();
  for (const [rule, e] of Object.entries(ruleMap.rules)) {
    t.true((e.objectives?.length ?? 0) > 0, rule);
    for (const o of e.objectives ?? []) {
      t.true(defined.has(o), `${rule} → ${o}`);
      used.add(o);
    }
  }
  t.deepEqual([...used].sort(), [...defined].sort());
});

test('every linked control id exists in its catalogue (PCI: defined requirements only)', (t) => {
  const dir = sharedDir('frameworks/catalog-ids');
  if (!dir) {
    t.log('skipped: ../shared/frameworks/catalog-ids not found (set KUBEPROOF_SHARED)');
    t.pass();
    return;
  }
  const col0 = (file: string, filter?: (cols: string[]) => boolean) =>
    new Set(
      readFileSync(path.join(dir, file), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map(splitCsv)
        .filter((c) => !filter || filter(c))
        .map((c) => c[0]!),
    );
  const known: Record<string, Set<string>> = {
    'nist-800-53-r5': col0('nist-sp800-53r5_controls.csv', (c) => c[5] === 'active'),
    'pci-dss-4.0.1': col0('pci-dss-4.0.1_requirement-ids.csv', (c) => c[3] === 'defined-requirement'),
    'iso27001-2022': col0('iso27001-2022_annexA-ids.csv'),
    'soc2-2017': col0('soc2-tsc-2017_criteria-ids.csv'),
  };
  let n = 0;
  for (const o of objectives.objectives) {
    for (const l of o.links) {
      const [fw, id] = l.control.split('/') as [string, string];
      t.true(known[fw]?.has(id), `${o.id}: ${l.control} not in the catalogue`);
      n++;
    }
  }
  t.true(n > 80);
});
