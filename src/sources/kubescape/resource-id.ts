/**
 * Kubescape resource ids → kind, namespace, name and apiVersion.
 *
 * Forms Kubescape writes (opa-utils objectsenvelopes, k8s-interface workloadinterface):
 * - cluster object: `<group>/<version>/<namespace>/<kind>/<name>`; the core group is empty
 *   (`/v1/default/Pod/x`), cluster-scoped objects have an empty namespace (`rbac.authorization.k8s.io/v1//ClusterRole/x`);
 * - file scan: `path=<fnv hash>/api=<cluster form>`;
 * - host sensor data: `hostdata.kubescape.cloud/v1beta0/<Kind>/<node>` (no namespace segment);
 * - RBAC subjects (rego response vectors): the ids of the subject and its related objects, each
 *   `<apiVersion or apiGroup>/<namespace>/<kind>/<name>`, sorted and joined with `/`.
 * Parsing is heuristic for the joined form (names may contain `/`? they cannot in Kubernetes; a kind is
 * an UpperCamelCase word), so the `resources[]` object is preferred whenever the input holds it.
 */
import type { ResourceRefLite } from './model.ts';

const KIND = /^[A-Z][A-Za-z0-9]*$/;
const HOST_GROUP = 'hostdata.kubescape.cloud';
const SUBJECT_KINDS = new Set(['User', 'Group', 'ServiceAccount']);

export interface ParsedResourceId {
  /** The primary object: a subject when one is present, else the first object. */
  primary?: ResourceRefLite;
  related: ResourceRefLite[];
  /** True when the id came from a file scan (`path=` prefix). */
  fromFile: boolean;
}

/** Parses any resourceID form; returns no primary when nothing recognisable is found. */
export function parseResourceId(id: string): ParsedResourceId {
  const fromFile = id.includes('path=');
  // Drop file-scan markers: `path=<hash>/` and the `api=` prefix of the next segment.
  const tokens = id
    .split('/')
    .filter((t) => !t.startsWith('path='))
    .map((t) => (t.startsWith('api=') ? t.slice(4) : t));
  const refs: ResourceRefLite[] = [];
  let start = 0;
  for (let k = 0; k < tokens.length - 1; k++) {
    const kind = tokens[k] as string;
    if (!KIND.test(kind)) continue;
    const name = tokens[k + 1] as string;
    if (name === '') continue;
    const before = tokens.slice(start, k);
    let namespace: string | undefined;
    let apiParts: string[];
    if (
      before[0] === HOST_GROUP ||
      (before.length === 2 && before[0]?.includes('.') && /^v\d/.test(before[1] ?? ''))
    ) {
      // Host sensor form (group/version/kind/name) and other namespace-less ids.
      apiParts = before;
    } else {
      namespace = before.length > 0 ? before[before.length - 1] : undefined;
      apiParts = before.slice(0, -1);
    }
    const apiVersion = apiParts.filter((p) => p !== '').join('/');
    refs.push({
      kind,
      name,
      ...(namespace ? { namespace } : {}),
      ...(apiVersion ? { apiVersion } : {}),
    });
    start = k + 2;
    k++;
  }
  const primaryIndex = Math.max(
    0,
    refs.findIndex((r) => SUBJECT_KINDS.has(r.kind)),
  );
  const primary = refs[primaryIndex];
  return {
    ...(primary ? { primary } : {}),
    related: refs.filter((_, i) => i !== primaryIndex),
    fromFile,
  };
}
