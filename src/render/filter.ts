import type { ReportModel } from '../model/types.ts';
import { UsageError } from '../errors.ts';

/**
 * Keeps only the given frameworks (and scope.frameworks accordingly). Findings stay: unmapped and
 * per-source appendices still list every finding. Unknown ids are a usage error.
 */
export function filterFrameworks(model: ReportModel, ids: string[] | undefined): ReportModel {
  if (!ids || ids.length === 0) return model;
  const known = new Set(model.frameworks.map((f) => f.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown framework(s) ${unknown.join(', ')} in --frameworks`,
      `this report has: ${[...known].join(', ')}`,
    );
  }
  const keep = new Set(ids);
  return {
    ...model,
    scope: { ...model.scope, frameworks: model.scope.frameworks.filter((f) => keep.has(f)) },
    frameworks: model.frameworks.filter((f) => keep.has(f.id)),
    objectives: model.objectives.map((o) => ({
      ...o,
      controls: o.controls.filter((c) => keep.has(c.split('/')[0] ?? '')),
    })),
  };
}
