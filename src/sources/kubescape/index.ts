/**
 * The Kubescape source: reads Kubescape JSON results (every layout Kubescape has written, see
 * schema.ts) and turns each (control, resource) result into a finding keyed by the control's C-id.
 * In a cluster running the Kubescape operator, operator.ts reads its configuration-scan objects.
 */
import type { Source, SourceContext, SourceOutput } from '../types.ts';
import { normalizeKubescape } from './normalize.ts';
import { normalizeOperatorScans, readOperatorScans } from './operator.ts';
import type { OperatorDiscovery, OperatorLister, OperatorScans } from './operator.ts';
import { fsReader, readKubescapeInputs } from './read.ts';
import type { KubescapeRaw, KubescapeReader } from './read.ts';
import { isKubescapeJson } from './schema.ts';

export interface KubescapeOptions {
  /** File system and stdin access; the real ones by default. */
  reader?: KubescapeReader;
}

/**
 * Builds the Kubescape source for the given inputs (paths, `-` for stdin). read() never throws for a
 * bad input; normalize() reports bad inputs in `partialError` and throws InputError only when no
 * input could be used.
 */
export function kubescapeSource(
  inputs: readonly string[],
  opts: KubescapeOptions = {},
): Source<KubescapeRaw> {
  const reader = opts.reader ?? fsReader;
  return {
    id: 'kubescape',
    title: 'Kubescape (configuration scan results)',
    read: (_ctx: SourceContext) => readKubescapeInputs(inputs, reader),
    normalize: (raw: KubescapeRaw, ctx: SourceContext): SourceOutput => normalizeKubescape(raw, ctx),
    detect: isKubescapeJson,
  };
}

/**
 * The Kubescape source reading the operator's results in the cluster. `list` lists every object of a
 * resource: a ClusterReader's `(r) => reader.listAll(r)` (live client or snapshot) fits as is. With
 * `available` (`(r) => reader.resourceAvailable(r)`), a cluster without the operator gives a note, not
 * a partial run.
 */
export function kubescapeOperatorSource(
  list: OperatorLister,
  available?: OperatorDiscovery,
): Source<OperatorScans> {
  return {
    id: 'kubescape',
    title: 'Kubescape operator (configuration scans in the cluster)',
    read: (ctx: SourceContext) =>
      readOperatorScans(list, {
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(available ? { available } : {}),
      }),
    normalize: (raw: OperatorScans, ctx: SourceContext): SourceOutput => normalizeOperatorScans(raw, ctx),
  };
}

export {
  isKubescapeJson as detect,
  recogniseOtherTool,
  parseKubescapeJson,
  parseKubescapeValue,
} from './schema.ts';
export { normalizeKubescape, parseKubescapeInput } from './normalize.ts';
export { readKubescapeInputs, fsReader } from './read.ts';
export type { KubescapeRaw, KubescapeReader, KubescapeInput } from './read.ts';
export { parseResourceId } from './resource-id.ts';
export { classifyStatus, deriveFromRules, severityFromScore } from './status.ts';
export { controlIdFromCis, controlIdFromName } from './catalogue.ts';
export { normalizeOperatorScans, readOperatorScans, OPERATOR_RESOURCES } from './operator.ts';
export type { OperatorDiscovery, OperatorLister, OperatorResource, OperatorScans } from './operator.ts';
