/**
 * The Kubescape rule map: every control of the regolibrary catalogue is mapped or out of scope, every
 * objective exists, and controls Kubescape's CIS frameworks assign to a CIS recommendation reach the same
 * objectives as the kube-bench check for that recommendation.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { readMappings } from '../../../src/mapping/load.ts';
import { ruleKey } from '../../../src/mapping/types.ts';
import { textFingerprint } from '../../../src/mapping/fingerprint.ts';
import { catalogueIndex } from '../../../src/sources/kubescape/catalogue.ts';
import { projectRoot, sharedDir } from '../../support/shared.ts';

/** Kubescape CIS framework → kube-bench benchmark holding the same recommendations. */
const BENCHMARK: Record<string, string> = {
  'cis-v1.10.0': 'cis-1.10',
  'cis-v1.12.0': 'cis-1.12',
  'cis-eks-t1.7.0': 'eks-1.7.0',
  'cis-eks-t1.8.0': 'eks-1.8.0',
  'cis-aks-t1.8.0': 'aks-1.8',
  'cis-gke-v1.9.0': 'gke-1.9.0',
};

/** Assignments not followed: Kubescape's rule does not check what the recommendation asks. */
const NOT_FOLLOWED: Record<string, string> = {
  'C-0177|aks-1.8|3.2.6':
    'kube-bench aks-1.8 numbers 3.2.6 differently (iptables chains); C-0177 checks protect-kernel-defaults',
  'C-0179|aks-1.8|3.2.8':
    'kube-bench aks-1.8 3.2.8 is certificate rotation; C-0179 checks --hostname-override',
  'C-0205|aks-1.8|4.4.1': 'AKS 4.4.1 asks for the latest CNI version; C-0205 checks network-policy support',
  'C-0088|aks-1.8|5.5.1': 'AKS 5.5.1 asks for Azure AD-managed users; C-0088 checks that RBAC is enabled',
};

const rulesFile = parse(readFileSync(path.join(projectRoot, 'mappings/sources/kubescape.yaml'), 'utf8')) as {
  rules: Record<string, { objectives?: string[]; outOfScope?: string }>;
};

test('the Kubescape rule map loads and every objective it names exists', async (t) => {
  const { bundle, errors } = await readMappings();
  t.deepEqual(errors, []);
  const entries = [...bundle.rules.values()].filter((r) => r.source === 'kubescape');
  t.true(entries.length >= 281);
  for (const r of entries) {
    t.true(
      r.objectives.length > 0 || (r.outOfScope ?? '').length > 20,
      `${r.ruleId} needs objectives or a real reason`,
    );
  }
});

test('objectives/kubescape.yaml defines only objectives that exist nowhere else, each linked to all four frameworks', async (t) => {
  const own = parse(readFileSync(path.join(projectRoot, 'mappings/objectives/kubescape.yaml'), 'utf8')) as {
    objectives: { id: string; links: { control: string }[] }[];
  };
  const { bundle } = await readMappings();
  for (const o of own.objectives) {
    t.is(bundle.objectives.get(o.id)?.file, 'mappings/objectives/kubescape.yaml', o.id);
    const fws = new Set(o.links.map((l) => l.control.split('/')[0]));
    t.deepEqual([...fws].sort(), ['iso27001-2022', 'nist-800-53-r5', 'pci-dss-4.0.1', 'soc2-2017'], o.id);
  }
});

const shared = sharedDir();
const controlsDir = shared ? path.join(shared, 'fixtures/kubescape/regolibrary-controls') : undefined;
const membershipCsv = shared
  ? path.join(shared, 'frameworks/k8s-evidence-maps/kubescape_control_framework_membership.csv')
  : undefined;

if (!shared) {
  test('Kubescape catalogue tests: shared folder absent, reported as skipped', (t) => {
    t.log(
      'skipped: ../shared not found (set KUBEPROOF_SHARED): catalogue completeness and CIS consistency not checked',
    );
    t.is(shared, undefined);
  });
} else {
  const catalogue = readdirSync(controlsDir as string)
    .filter((f) => /^C-\d{4}.*\.json$/.test(f))
    .map(
      (f) =>
        JSON.parse(readFileSync(path.join(controlsDir as string, f), 'utf8')) as {
          controlID: string;
          name: string;
        },
    );

  test('every control of the Kubescape catalogue is mapped or explicitly out of scope', (t) => {
    t.is(catalogue.length, 281);
    const missing = catalogue.map((c) => c.controlID).filter((id) => !(id in rulesFile.rules));
    t.deepEqual(missing, []);
    // Retired controls that older reports still carry (listed in the older framework CSV).
    const older = readFileSync(
      path.join(shared, 'fixtures/kubescape/regolibrary_FWName_CID_CName.csv'),
      'utf8',
    )
      .split(/\r?\n/)
      .map((l) => l.split(',')[1] ?? '')
      .filter((id) => /^C-\d{4}$/.test(id));
    t.deepEqual([...new Set(older.filter((id) => !(id in rulesFile.rules)))], []);
  });

  test('the catalogue index resolves every current control name and the CIS ids of every CIS framework', (t) => {
    const idx = catalogueIndex();
    const byName = catalogue.filter((c) => idx.nameFingerprints[textFingerprint(c.name)] === c.controlID);
    // Names shared by two controls (AKS duplicates of generic checks) are left out of the index on purpose.
    t.true(byName.length >= 245, `${byName.length} names resolve`);
    const fwDir = path.join(shared, 'fixtures/kubescape/regolibrary-frameworks');
    for (const fw of Object.keys(idx.cis)) {
      if (fw === 'cis-v1.23-t1.0.1') continue; // checked below against the older framework CSV
      const f = JSON.parse(readFileSync(path.join(fwDir, `${fw}.json`), 'utf8')) as {
        activeControls: { controlID: string; patch?: { name?: string } }[];
      };
      for (const a of f.activeControls) {
        const cis = /^(CIS-[\d.]+)\s/.exec(a.patch?.name ?? '')?.[1];
        if (cis) t.is(idx.cis[fw]?.[cis], a.controlID, `${fw} ${cis}`);
      }
    }
    // cis-v1.23-t1.0.1 used CIS ids as control ids; the index resolves each through its control name.
    const currentName = new Map(catalogue.map((c) => [c.controlID, textFingerprint(c.name)]));
    const rows = readFileSync(
      path.join(shared, 'fixtures/kubescape/regolibrary_FWName_CID_CName.csv'),
      'utf8',
    )
      .trim()
      .split(/\r?\n/)
      .map((l) => /^cis-v1\.23-t1\.0\.1,(CIS-[\d.]+),"?(.*?)"?$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null);
    t.true(rows.length > 100);
    for (const [, cis, name] of rows) {
      const id = idx.cis['cis-v1.23-t1.0.1']?.[cis as string];
      t.is(currentName.get(id ?? ''), textFingerprint(name as string), `${cis} → ${id}`);
    }
  });

  test('CIS-assigned controls reach the objectives of the kube-bench check for the same recommendation', (t) => {
    const rows = readFileSync(membershipCsv as string, 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    const fwDir = path.join(shared, 'fixtures/kubescape/regolibrary-frameworks');
    const titles = new Map<string, string>();
    for (const fw of Object.keys(BENCHMARK)) {
      const f = JSON.parse(readFileSync(path.join(fwDir, `${fw}.json`), 'utf8')) as {
        activeControls: { controlID: string; patch?: { name?: string } }[];
      };
      for (const a of f.activeControls) {
        const m = /^CIS-([\d.]+)\s+(.*)$/.exec(a.patch?.name ?? '');
        if (m) titles.set(`${fw}|${a.controlID}`, m[2] as string);
      }
    }
    const kb = new Map<string, Record<string, { objectives?: string[]; outOfScope?: string; fp?: string }>>();
    for (const b of new Set(Object.values(BENCHMARK))) {
      kb.set(
        b,
        (
          parse(readFileSync(path.join(projectRoot, `mappings/sources/kube-bench/${b}.yaml`), 'utf8')) as {
            rules: never;
          }
        ).rules,
      );
    }
    let checked = 0;
    const unions: string[] = [];
    for (const row of rows) {
      const [cid] = row.split(',');
      const cisField = /,((?:cis-[a-z0-9.-]+:CIS-[\d.]+ ?)+),/.exec(row)?.[1] ?? '';
      const mine = rulesFile.rules[cid as string];
      const mineSet = new Set(mine?.objectives ?? []);
      const expected: { key: string; objectives: string[] }[] = [];
      for (const tok of cisField.trim().split(/\s+/).filter(Boolean)) {
        const [fw, cisId] = tok.split(':') as [string, string];
        const bench = BENCHMARK[fw];
        if (!bench) continue; // cis-aks-t1.2.0: no kube-bench benchmark for that AKS version
        const rules = kb.get(bench) ?? {};
        const id = cisId.slice(4);
        const title = titles.get(`${fw}|${cid}`);
        const fp = title ? textFingerprint(title) : undefined;
        // The same recommendation: matched by its text first (the two tools number some benchmarks differently).
        const byText = fp ? Object.entries(rules).filter(([, r]) => r.fp === fp) : [];
        const hit = byText.length === 1 ? byText[0] : rules[id] ? ([id, rules[id]] as const) : undefined;
        if (!hit) continue;
        const key = `${cid}|${bench}|${hit[0]}`;
        if (key in NOT_FOLLOWED) continue;
        expected.push({ key, objectives: hit[1].objectives ?? [] });
      }
      if (expected.length === 0) continue;
      const distinct = new Set(expected.map((e) => [...e.objectives].sort().join(',')));
      for (const e of expected) {
        checked++;
        if (e.objectives.length === 0) {
          t.true(
            mine?.outOfScope !== undefined || distinct.size > 1,
            `${e.key}: kube-bench has it out of scope`,
          );
          continue;
        }
        if (distinct.size === 1) t.deepEqual([...mineSet].sort(), [...e.objectives].sort(), e.key);
        else {
          for (const o of e.objectives) t.true(mineSet.has(o), `${e.key}: ${o} (union)`);
          unions.push(e.key);
        }
      }
    }
    t.true(checked > 250, `${checked} (control, benchmark) pairs checked`);
    t.log(
      `${checked} pairs checked; union controls: ${[...new Set(unions.map((u) => u.split('|')[0]))].join(', ')}`,
    );
  });

  test('C-0118 is CIS 1.2.6 in cis-v1.10.0 and reaches the kube-bench cis-1.10 objectives for 1.2.6', async (t) => {
    const { bundle } = await readMappings();
    const ks = bundle.rules.get(ruleKey('kubescape', undefined, 'C-0118'));
    const kbe = bundle.rules.get(ruleKey('kube-bench', 'cis-1.10', '1.2.6'));
    t.truthy(kbe);
    t.deepEqual(ks?.objectives, kbe?.objectives);
    t.is(catalogueIndex().cis['cis-v1.10.0']?.['CIS-1.2.6'], 'C-0118');
  });
}
