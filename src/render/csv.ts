import type { Artifact, ReportModel } from '../model/types.ts';
import type { Renderer } from './types.ts';

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote, CR or LF; quotes doubled. A cell that a
 * spreadsheet would read as a formula (starts with = + - @, tab or CR) gets a leading apostrophe first.
 */
export function csvCell(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows joined with CRLF, as RFC 4180 says, with a final CRLF. */
export function csvTable(header: string[], rows: (string | number | undefined)[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function renderControlsCsv(model: ReportModel): Artifact {
  const rows = model.frameworks.flatMap((fw) =>
    fw.controls.map((c) => [
      fw.id,
      c.controlId,
      c.title,
      c.status,
      c.coverage,
      c.findingIds.length,
      c.explanation,
      (c.waivers ?? [])
        .map((w) => `${w.id} (${w.origin}; owner ${w.owner}; expires ${w.expires})`)
        .join('; '),
      c.attestation
        ? `${c.attestation.by}: ${c.attestation.evidence} (${c.attestation.date}, expires ${c.attestation.expires})`
        : '',
    ]),
  );
  return {
    filename: 'controls.csv',
    mediaType: 'text/csv; charset=utf-8',
    body: csvTable(
      [
        'framework',
        'control',
        'title',
        'status',
        'coverage',
        'findings',
        'explanation',
        'waivers',
        'attestation',
      ],
      rows,
    ),
  };
}

export function renderFindingsCsv(model: ReportModel): Artifact {
  const controlsOf = new Map<string, string[]>();
  for (const fw of model.frameworks) {
    for (const c of fw.controls) {
      for (const id of c.findingIds) {
        const list = controlsOf.get(id) ?? [];
        list.push(`${fw.id}/${c.controlId}`);
        controlsOf.set(id, list);
      }
    }
  }
  const rows = model.findings.map((f) => [
    f.id,
    f.source,
    f.ruleId,
    f.ruleVariant,
    f.status,
    f.nativeStatus,
    f.severity,
    f.resource?.kind,
    f.resource?.namespace,
    f.resource?.name,
    f.resource?.node,
    f.message,
    (controlsOf.get(f.id) ?? []).join(' '),
  ]);
  const header = ['id', 'source', 'rule', 'variant', 'status', 'native_status', 'severity'];
  header.push('resource_kind', 'resource_namespace', 'resource_name', 'node', 'message', 'controls');
  return { filename: 'findings.csv', mediaType: 'text/csv; charset=utf-8', body: csvTable(header, rows) };
}

export const csvRenderer: Renderer = {
  format: 'csv',
  render: (model) => [renderControlsCsv(model), renderFindingsCsv(model)],
};
