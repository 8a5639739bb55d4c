/**
 * Fleet outputs: fleet.json, fleet.html (templates/fleet/fleet.html.hbs, handlebars with its default
 * escaping, strict) and a text table for the terminal. The view is computed here; the template only places it.
 */
import { readFile } from 'node:fs/promises';
import Handlebars from 'handlebars';
import type { Artifact, ControlStatus } from '../model/types.ts';
import type { FleetReport } from './build.ts';

/** Columns of the per-cluster tables: what needs attention first. */
export const FLEET_STATUSES: readonly ControlStatus[] = [
  'fail',
  'incomplete',
  'waived',
  'pass',
  'attested',
  'manual',
  'not-assessed',
  'not-applicable',
];

const TEMPLATE = new URL('../../templates/fleet/fleet.html.hbs', import.meta.url);

export function fleetJson(f: FleetReport): Artifact {
  return { filename: 'fleet.json', mediaType: 'application/json', body: JSON.stringify(f, null, 2) + '\n' };
}

/** A plain-object view for the template (no helpers needed, every field present). */
export function fleetView(f: FleetReport): object {
  const fwName = new Map(f.frameworks.map((x) => [x.id, `${x.name} ${x.version}`]));
  return {
    generatedAt: f.generatedAt,
    staleDays: f.staleDays,
    clusterCount: f.clusters.length,
    staleCount: f.clusters.filter((c) => c.stale).length,
    sources: f.sources,
    statuses: FLEET_STATUSES,
    frameworks: f.frameworks.map((x) => ({
      name: `${x.name} ${x.version}`,
      clusters: x.clusters,
      clustersFailing: x.clustersFailing,
      counts: FLEET_STATUSES.map((s) => x.totals[s]),
    })),
    clusters: f.clusters.map((c) => ({
      name: c.name,
      reportId: c.reportId,
      generatedAt: c.generatedAt,
      age: c.ageDays < 0 ? 'unknown' : `${c.ageDays} d`,
      stale: c.stale,
      location: c.location,
      versions: `kubeproof ${c.toolVersion}, mappings ${c.mappingsVersion}`,
      rows: c.frameworks.map((fw) => ({
        framework: fwName.get(fw.id) ?? fw.id,
        total: fw.total,
        counts: FLEET_STATUSES.map((s) => fw.counts[s]),
      })),
      failedSources: c.failedSources,
      hasFailedSources: c.failedSources.length > 0,
      changes: c.changes,
    })),
    worst: f.worstControls.map((w) => ({
      framework: fwName.get(w.framework) ?? w.framework,
      controlId: w.controlId,
      title: w.title,
      clusterCount: w.failingClusters.length,
      clusters: w.failingClusters.join(', '),
      failingFindings: w.failingFindings,
    })),
    problems: f.problems,
  };
}

let compiled: Promise<(v: object) => string> | undefined;

export async function fleetHtml(f: FleetReport): Promise<Artifact> {
  compiled ??= readFile(TEMPLATE, 'utf8').then((src) => Handlebars.create().compile(src, { strict: true }));
  const body = (await compiled)(JSON.parse(JSON.stringify(fleetView(f))) as object);
  return { filename: 'fleet.html', mediaType: 'text/html; charset=utf-8', body };
}

/** The terminal table: one line per cluster and framework, then stale reports, failed sources, worst controls. */
export function fleetText(f: FleetReport): string {
  const lines: string[] = [];
  lines.push(
    `kubeproof fleet · ${f.clusters.length} cluster${f.clusters.length === 1 ? '' : 's'} · generated ${f.generatedAt}`,
  );
  const head = [
    'cluster',
    'framework',
    'fail',
    'incompl',
    'waived',
    'pass',
    'attest',
    'manual',
    'not-assessed',
    'n/a',
    'age',
    '',
  ];
  const rows: string[][] = [];
  for (const c of f.clusters) {
    for (const fw of c.frameworks) {
      rows.push([
        c.name,
        fw.id,
        ...FLEET_STATUSES.map((s) => String(fw.counts[s])),
        c.ageDays < 0 ? '?' : `${c.ageDays}d`,
        [
          c.stale ? 'STALE' : '',
          c.failedSources.length > 0 ? `${c.failedSources.length} failed source(s)` : '',
        ]
          .filter(Boolean)
          .join(', '),
      ]);
    }
    if (c.frameworks.length === 0)
      rows.push([
        c.name,
        '(none)',
        ...FLEET_STATUSES.map(() => '-'),
        `${c.ageDays}d`,
        c.stale ? 'STALE' : '',
      ]);
  }
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string =>
    '  ' +
    r
      .map((v, i) => (i < 2 || i === r.length - 1 ? v.padEnd(width[i]!) : v.padStart(width[i]!)))
      .join('  ')
      .trimEnd();
  lines.push('', fmt(head), ...rows.map(fmt));
  const stale = f.clusters.filter((c) => c.stale);
  if (stale.length > 0) {
    lines.push('', `Stale reports (older than ${f.staleDays} days):`);
    for (const c of stale)
      lines.push(`  ${c.name}: ${c.generatedAt} (${c.ageDays < 0 ? 'undated' : `${c.ageDays} days`})`);
  }
  const failed = f.clusters.filter((c) => c.failedSources.length > 0);
  if (failed.length > 0) {
    lines.push('', 'Failed sources (their controls are not-assessed in that cluster):');
    for (const c of failed)
      for (const s of c.failedSources)
        lines.push(`  ${c.name}: ${s.source} ${s.status}${s.message ? ` (${s.message})` : ''}`);
  }
  if (f.worstControls.length > 0) {
    lines.push('', 'Controls failing in the most clusters:');
    for (const w of f.worstControls) {
      lines.push(
        `  ${w.framework} ${w.controlId} — ${w.title}: ${w.failingClusters.length} cluster(s) (${w.failingClusters.join(', ')}), ${w.failingFindings} failing findings`,
      );
    }
  }
  if (f.problems.length > 0) {
    lines.push('', 'Could not read:');
    for (const p of f.problems) lines.push(`  ${p.from}: ${p.message.split('\n')[0]}`);
  }
  lines.push(
    '',
    'Counts only: each report covers what automated evidence reached; not-assessed and manual controls need other evidence.',
  );
  return lines.join('\n') + '\n';
}
