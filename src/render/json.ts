import type { Artifact, ReportModel } from '../model/types.ts';
import type { Renderer } from './types.ts';

/** report.json: the model itself, 2-space indented, keys in the order the builder wrote them, final newline. */
export function renderJson(model: ReportModel): Artifact {
  return {
    filename: 'report.json',
    mediaType: 'application/json',
    body: `${JSON.stringify(model, null, 2)}\n`,
  };
}

export const jsonRenderer: Renderer = { format: 'json', render: (model) => renderJson(model) };
