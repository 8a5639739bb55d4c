/**
 * Generates `mappings/frameworks/nist-800-53-r5.yaml` from the shared NIST identifier list
 * (`<shared>/frameworks/catalog-ids/nist-sp800-53r5_controls.csv`, itself derived from NIST's OSCAL
 * content). Run once by hand when the NIST source changes; the YAML is committed and this script is never
 * needed at runtime.
 *
 *   node scripts/gen-nist-catalog.ts [path/to/nist-sp800-53r5_controls.csv]
 *
 * Without an argument the CSV is read from `$KUBEPROOF_SHARED/frameworks/catalog-ids/` (default
 * `<projectRoot>/../shared`). Output is deterministic: controls are ordered by family, control number and
 * enhancement number.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One parsed CSV row, keyed by header. */
type Row = Record<string, string>;

/** Minimal RFC 4180 parser: quoted fields, doubled quotes, commas and newlines inside quotes. */
export function parseCsv(text: string): Row[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
    } else field += c;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header, ...body] = records;
  if (!header) return [];
  return body.map((cells, n) => {
    if (cells.length !== header.length) {
      throw new Error(`csv row ${n + 2}: expected ${header.length} fields, got ${cells.length}`);
    }
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

/**
 * Titles that NIST 5.1.1 publishes but that no shared file carries (the IA-13 enhancements were added in
 * 5.1.1 and the full 5.1.1 catalogue is not in the store).
 */
const MISSING_TITLES: Record<string, string> = {
  'IA-13': 'Identity Providers and Authorization Servers',
  'IA-13(1)': 'Protection of Cryptographic Keys',
  'IA-13(2)': 'Verification of Identity Assertions and Access Tokens',
  'IA-13(3)': 'Token Management',
};

/**
 * NIST's OSCAL titles were machine title-cased, which lower-cased some acronyms (`Gsa-approved`,
 * `U.s. Jurisdiction`) and lost a space (`—separate`). Restore the capitalisation of SP 800-53's PDF.
 */
const TITLE_FIXES: [RegExp, string][] = [
  [/\bGsa-/g, 'GSA-'],
  [/\bNiap-/g, 'NIAP-'],
  [/\bNsa-/g, 'NSA-'],
  [/\bFips-/g, 'FIPS-'],
  [/\bU\.s\./g, 'U.S.'],
  [/—(\S)/g, '— $1'],
];

export function fixTitle(title: string): string {
  let t = title;
  for (const [re, to] of TITLE_FIXES) t = t.replace(re, to);
  return t.replace(/— ([a-z])/g, (_m, ch: string) => `— ${ch.toUpperCase()}`);
}

/** Families in which every control needs organisational evidence (people, process, facilities, plans). */
const ORGANISATIONAL_FAMILIES = new Set(['AT', 'IR', 'PE', 'PL', 'PM', 'PS']);

/**
 * Families that are organisational by default, with the controls (and, with a trailing `*`, their
 * enhancements) that a technical mechanism can evidence.
 */
export const MOSTLY_ORGANISATIONAL: Record<string, string[]> = {
  CA: ['CA-7', 'CA-7(3)', 'CA-7(4)', 'CA-7(5)', 'CA-7(6)', 'CA-9*'],
  CP: ['CP-9*', 'CP-10*', 'CP-11', 'CP-12', 'CP-13'],
  MA: ['MA-4', 'MA-4(1)', 'MA-4(4)', 'MA-4(6)', 'MA-4(7)'],
  MP: ['MP-6(8)', 'MP-7'],
  PT: ['PT-2(1)', 'PT-2(2)', 'PT-3(1)', 'PT-3(2)'],
  RA: ['RA-5', 'RA-5(2)', 'RA-5(3)', 'RA-5(4)', 'RA-5(5)', 'RA-5(6)', 'RA-5(8)', 'RA-5(10)'],
  SA: ['SA-9(6)', 'SA-9(7)', 'SA-10(1)', 'SA-10(3)', 'SA-11(1)', 'SA-11(8)', 'SA-11(9)', 'SA-15(7)', 'SA-22'],
  SR: ['SR-4*', 'SR-9*', 'SR-10', 'SR-11', 'SR-11(3)'],
};

/** In the technical families, the controls (beyond every `-1`) that only organisational evidence satisfies. */
export const ORGANISATIONAL_IN_TECHNICAL = new Set([
  // Use of external systems, information sharing and public content are decisions and agreements.
  'AC-20',
  'AC-20(1)',
  'AC-20(2)',
  'AC-20(3)',
  'AC-20(4)',
  'AC-20(5)',
  'AC-21',
  'AC-22',
  // Watching for disclosure and coordinating with other organisations are activities, not settings.
  'AU-6(9)',
  'AU-13',
  'AU-13(2)',
  'AU-16',
  'AU-16(2)',
  // Change review roles, impact analysis, plans and licence compliance are evidenced by records. CM-3
  // itself stays technical: admission control and GitOps history can evidence change control.
  'CM-3(2)',
  'CM-3(4)',
  'CM-3(7)',
  'CM-4',
  'CM-4(1)',
  'CM-9',
  'CM-9(1)',
  'CM-10',
  'CM-10(1)',
  'CM-13',
  // Identity proofing and authenticator issuance happen between people.
  'IA-4(6)',
  'IA-5(5)',
  'IA-5(15)',
  'IA-5(16)',
  'IA-12',
  'IA-12(1)',
  'IA-12(2)',
  'IA-12(3)',
  'IA-12(4)',
  'IA-12(5)',
  'IA-12(6)',
  // Analyses, physical measures and operations security.
  'SC-7(14)',
  'SC-15(3)',
  'SC-31',
  'SC-31(1)',
  'SC-31(3)',
  'SC-38',
  'SC-42(4)',
  // Advisories, retention decisions, PII quality handling and monitoring of named individuals.
  'SI-4(19)',
  'SI-4(21)',
  'SI-5',
  'SI-12',
  'SI-12(1)',
  'SI-12(2)',
  'SI-18',
  'SI-18(3)',
  'SI-18(4)',
  'SI-18(5)',
  'SI-19(8)',
]);

function matches(patterns: string[], id: string, parent: string): boolean {
  return patterns.some((p) =>
    p.endsWith('*') ? id === p.slice(0, -1) || parent === p.slice(0, -1) : id === p,
  );
}

export function isOrganisational(id: string, family: string, parent: string): boolean {
  if (/^[A-Z]{2}-1$/.test(id)) return true;
  if (ORGANISATIONAL_FAMILIES.has(family)) return true;
  const technical = MOSTLY_ORGANISATIONAL[family];
  if (technical) return !matches(technical, id, parent);
  return ORGANISATIONAL_IN_TECHNICAL.has(id);
}

/** Sort key: family, control number, enhancement number. */
function sortKey(id: string): [string, number, number] {
  const m = /^([A-Z]{2})-(\d+)(?:\((\d+)\))?$/.exec(id);
  if (!m) throw new Error(`unexpected NIST control id ${id}`);
  return [m[1] ?? '', Number(m[2]), m[3] === undefined ? 0 : Number(m[3])];
}

function compareIds(a: string, b: string): number {
  const [fa, na, ea] = sortKey(a);
  const [fb, nb, eb] = sortKey(b);
  return fa < fb ? -1 : fa > fb ? 1 : na - nb || ea - eb;
}

/** YAML single-quoted scalar. */
function q(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

const BASELINES = ['low', 'moderate', 'high', 'privacy'] as const;

export function generate(rows: Row[]): string {
  const active = rows.filter((r) => r.status !== 'withdrawn');
  const families = new Map<string, string>();
  for (const r of rows) families.set(r.family ?? '', r.family_title ?? '');
  const lines: string[] = [
    '# Generated by scripts/gen-nist-catalog.ts from the NIST SP 800-53 Rev. 5 identifier list; see PROVENANCE.md.',
    '# Do not edit by hand: change the script (organisational marks) and regenerate.',
    'id: nist-800-53-r5',
    'name: NIST SP 800-53',
    'version: Rev. 5 (release 5.1.1)',
    'publisher: National Institute of Standards and Technology',
    'url: https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final',
    'titleNote: Titles as published by NIST (SP 800-53 Rev. 5, a U.S. Government work in the public domain).',
    'families:',
  ];
  for (const [id, title] of [...families].sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(`  - { id: ${id}, title: ${q(title)} }`);
  }
  lines.push('controls:');
  const sorted = [...active].sort((a, b) => compareIds(a.control_id ?? '', b.control_id ?? ''));
  for (const r of sorted) {
    const id = r.control_id ?? '';
    const family = r.family ?? '';
    const parent = r.parent ?? '';
    const rawTitle = r.title || MISSING_TITLES[id];
    if (!rawTitle) throw new Error(`${id}: no title`);
    const parts = [`id: ${q(id)}`, `title: ${q(fixTitle(rawTitle))}`, `family: ${family}`];
    if (parent) parts.push(`parent: ${q(parent)}`);
    const baselines = BASELINES.filter((b) => r[b] === 'x');
    if (baselines.length > 0) parts.push(`baselines: [${baselines.join(', ')}]`);
    if (isOrganisational(id, family, parent)) parts.push('assessment: organisational');
    lines.push(`  - { ${parts.join(', ')} }`);
  }
  return lines.join('\n') + '\n';
}

function main(): void {
  const shared = process.env.KUBEPROOF_SHARED ?? path.resolve(projectRoot, '../shared');
  const csvPath = process.argv[2] ?? path.join(shared, 'frameworks/catalog-ids/nist-sp800-53r5_controls.csv');
  const rows = parseCsv(fs.readFileSync(csvPath, 'utf8'));
  const out = path.join(projectRoot, 'mappings/frameworks/nist-800-53-r5.yaml');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, generate(rows));
  const n = rows.filter((r) => r.status !== 'withdrawn').length;
  process.stdout.write(`wrote ${out}: ${n} controls\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
