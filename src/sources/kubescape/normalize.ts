/**
 * Kubescape results → findings and evidence. Pure: values in, values out (clock and mapping bundle
 * come from the context). One finding per (control, resource); controls the report summarises without
 * any per-resource result give one control-level finding. Several inputs merge into one run.
 */
import { InputError } from '../../errors.ts';
import type {
  Evidence,
  Finding,
  FindingStatus,
  InputRecord,
  ResourceRef,
  Scalar,
  Severity,
} from '../../model/types.ts';
import { stableId } from '../../util/hash.ts';
import { redactText, redactValue } from '../../util/redact.ts';
import type { SourceContext, SourceOutput } from '../types.ts';
import { cisIdOf, controlIdFromCis, controlIdFromName } from './catalogue.ts';
import type { ControlMeta, ParsedDoc, ParsedResult, ResourceMeta, ResourceRefLite } from './model.ts';
import type { KubescapeRaw } from './read.ts';
import { parseResourceId } from './resource-id.ts';
import { parseKubescapeJson } from './schema.ts';
import { classifyStatus, deriveFromRules, severityFromScore } from './status.ts';
import type { Classified } from './status.ts';
import { compareNatural } from '../../util/compare.ts';

const SOURCE = 'kubescape' as const;
/** One collator for every sort: `localeCompare` with options builds a new one per call (200k findings: 30 s). */
const CAP = 2048;
const MAX_PATHS = 50;
const MAX_LISTED = 20;

/** Parses one input's bytes. Throws InputError. */
export function parseKubescapeInput(file: string, bytes: Uint8Array): ParsedDoc {
  if (bytes.includes(0)) {
    throw new InputError(file, 'binary file, not Kubescape output', {
      hint: 'pass kubescape scan --format json output',
    });
  }
  const text = new TextDecoder('utf-8')
    .decode(bytes)
    .replace(/^\uFEFF/, '')
    .trim();
  if (text === '') {
    throw new InputError(file, 'empty file', {
      hint: 'Kubescape wrote nothing: run kubescape scan --format json --output FILE and pass FILE',
    });
  }
  if (/^\[(PASS|FAIL|WARN|INFO)\] /.test(text)) {
    throw new InputError(file, 'this looks like kube-bench text output, not Kubescape output', {
      hint: 'pass it with --kube-bench',
    });
  }
  if (!text.startsWith('{') && !text.startsWith('[')) {
    throw new InputError(file, 'not Kubescape JSON output: expected a JSON document', {
      hint:
        /^\[?(PASS|FAIL|WARN|INFO)\]/m.test(text) || /^\[INFO\] \d/m.test(text)
          ? 'this looks like kube-bench text output: pass it with --kube-bench'
          : text.startsWith('<')
            ? 'this is XML or HTML (kubescape --format junit/html): re-run it with --format json --output FILE'
            : 'kubescape prints a table by default: re-run it with --format json --output FILE',
    });
  }
  return parseKubescapeJson(file, text);
}

const cap = (s: string, n = CAP): string =>
  s.length > n ? `${s.slice(0, n)}… [${s.length - n} more characters]` : s;

const STATUS_WEIGHT: Record<FindingStatus, number> = {
  fail: 6,
  error: 5,
  manual: 4,
  skipped: 3,
  waived: 2,
  info: 1,
  pass: 0,
};

/** Resolves the primary resource of a result: the report's resources[] entry first, else the id. */
function resolveResource(
  doc: ParsedDoc,
  resourceId: string,
): { ref?: ResourceRefLite; related: ResourceRefLite[]; meta?: ResourceMeta } {
  const meta = doc.resources.get(resourceId);
  if (meta?.ref) return { ref: meta.ref, related: meta.related, meta };
  const parsed = parseResourceId(resourceId);
  return {
    ...(parsed.primary ? { ref: parsed.primary } : {}),
    related: parsed.related,
    ...(meta ? { meta } : {}),
  };
}

const refKey = (r: ResourceRefLite): string =>
  `${r.apiVersion ?? ''}/${r.namespace ?? ''}/${r.kind}/${r.name}`;
const refText = (r: ResourceRefLite): string => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

interface Failure {
  file: string;
  detail: string;
  hint?: string;
  error: unknown;
}

/** Resolves the rule id the mapping uses: C-ids as they are; CIS ids and names through the catalogue index. */
function identify(
  rawId: string,
  name: string | undefined,
  frameworks: readonly string[],
): { ruleId: string; mapRuleId?: string; cisId?: string; how: string } {
  if (/^C-\d+$/.test(rawId)) {
    const cis = cisIdOf(name);
    return { ruleId: rawId, ...(cis ? { cisId: cis } : {}), how: 'control-id' };
  }
  const cis = cisIdOf(rawId) ?? cisIdOf(name);
  if (cis && cisIdOf(rawId)) {
    const r = controlIdFromCis(cis, frameworks, name);
    return r
      ? { ruleId: rawId, mapRuleId: r.controlId, cisId: cis, how: r.how }
      : { ruleId: rawId, cisId: cis, how: 'cis-id-unresolved' };
  }
  if (rawId.startsWith('name:')) {
    const byName = controlIdFromName(rawId.slice(5));
    return byName
      ? { ruleId: byName, how: 'control-name' }
      : { ruleId: rawId, how: 'control-name-unresolved' };
  }
  return { ruleId: rawId, how: 'control-id' };
}

function messageFor(
  cl: Classified,
  where: string,
  res: ParsedResult | undefined,
  meta: ControlMeta | undefined,
): string {
  const fp =
    res && res.paths.failedPaths.length > 0
      ? ` at ${cap(res.paths.failedPaths.slice(0, 3).join(', '), 300)}${res.paths.failedPaths.length > 3 ? ' …' : ''}`
      : '';
  const counts =
    !res && meta?.counters
      ? ` (${meta.counters.failed} failed, ${meta.counters.passed} passed, ${meta.counters.excluded} excepted, ${meta.counters.skipped} skipped resources)`
      : '';
  switch (cl.status) {
    case 'fail':
      return `Failed ${where}${fp}${res?.message ? `: ${cap(res.message, 300)}` : ''}${counts}.`;
    case 'pass':
      return `Passed ${where}${counts}.`;
    case 'waived':
      return `Failure ${where} excepted by ${cl.reason ?? 'a Kubescape exception'}${fp}; not a pass.`;
    case 'manual':
      return `Manual review needed ${where}: ${cl.reason ?? 'Kubescape requires review'}.`;
    case 'error':
      return `Could not run ${where}: ${cl.reason ?? 'Kubescape reports an error'}.`;
    default:
      return `Not evaluated ${where}: ${cl.reason ?? 'Kubescape skipped it'}${counts}.`;
  }
}

/**
 * Normalizes Kubescape inputs. Inputs that cannot be read or parsed are skipped and reported in
 * `partialError`; when no input could be used, an InputError is thrown.
 */
export function normalizeKubescape(raw: KubescapeRaw, ctx: SourceContext): SourceOutput {
  const collectedAt = ctx.now().toISOString();
  const notes: string[] = [];
  const failures: Failure[] = [];
  const inputs: InputRecord[] = [];
  const evidence = new Map<string, Evidence>();
  const findings = new Map<string, Finding>();
  const versions = new Set<string>();
  const clusterNames = new Set<string>();
  let serverVersion: string | undefined;
  let platform: string | undefined;
  const countMismatch: string[] = [];
  let results = 0;
  let duplicates = 0;

  for (const input of raw.inputs) {
    if ('error' in input) {
      failures.push({
        file: input.path,
        detail: input.error.message,
        ...(input.error.hint ? { hint: input.error.hint } : {}),
        error: undefined,
      });
      inputs.push({ path: input.path });
      continue;
    }
    const file = input.raw.path;
    let doc: ParsedDoc;
    try {
      doc = parseKubescapeInput(file, input.raw.bytes);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const prefix = `${file}: `;
      const detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
      failures.push({ file, detail, ...(err.hint ? { hint: err.hint } : {}), error: err });
      inputs.push({ path: file, sha256: input.raw.sha256, bytes: input.raw.bytes.length });
      continue;
    }
    inputs.push({ path: file, sha256: input.raw.sha256, bytes: input.raw.bytes.length, format: doc.format });
    if (doc.toolVersion) versions.add(doc.toolVersion);
    if (doc.clusterName) clusterNames.add(doc.clusterName);
    serverVersion ??= doc.serverVersion;
    platform ??= doc.platform;
    const said = [
      `layout ${doc.format}`,
      doc.frameworks.length ? `frameworks ${doc.frameworks.join(', ')}` : 'no framework named',
      doc.toolVersion ? `Kubescape ${doc.toolVersion}` : 'Kubescape version not recorded',
      doc.generationTime ? `generated ${doc.generationTime}` : 'no generation time (zero or absent)',
    ];
    notes.push(`${file}: ${said.join('; ')}`);
    results += doc.results.length;

    const add = (res: ParsedResult | undefined, controlId: string): void => {
      const meta = doc.controls.get(controlId);
      const name = res?.controlName ?? meta?.name;
      const ident = identify(controlId, name, doc.frameworks);
      const resource = res && res.resourceId ? resolveResource(doc, res.resourceId) : undefined;
      const exceptions = res ? res.rules.flatMap((r) => r.exceptions) : [];
      let cl: Classified;
      if (res) {
        const st = res.status
          ? { status: res.status, ...(res.subStatus ? { subStatus: res.subStatus } : {}) }
          : deriveFromRules(res.rules);
        cl = classifyStatus(st.status, st.subStatus, exceptions, res.info);
        if (!res.status) cl = { ...cl, native: `${cl.native} (derived from rules)` };
      } else {
        cl = classifyStatus(meta?.status, meta?.subStatus, [], meta?.info);
        const c = meta?.counters;
        const none = !c || c.passed + c.failed + c.excluded + c.skipped === 0;
        if (cl.status === 'pass' && none) {
          cl = {
            status: 'skipped',
            native: cl.native,
            reason: 'Kubescape evaluated no resource for this control',
          };
        }
      }
      const ref = resource?.ref;
      const where = ref
        ? `on ${refText(ref)}${resource?.meta?.sourcePath ? ` (${resource.meta.sourcePath})` : ''}`
        : res?.resourceId
          ? `on ${res.resourceId}`
          : doc.format === 'kubescape-resource-controls'
            ? 'on the resource this list describes (the file does not name it)'
            : 'for the scan as a whole';
      // File scans can hold the same object in several files: the path hash in the id keeps them apart.
      const resourceKey = ref && !res?.resourceId.includes('path=') ? refKey(ref) : (res?.resourceId ?? '');
      const title = name?.trim() || ident.ruleId;
      const pointer = res?.pointer ?? meta?.pointer ?? '';
      const evId = stableId('e', SOURCE, file, pointer);
      const excerpt: Record<string, unknown> = {
        controlID: controlId,
        ...(name ? { name: cap(name, 300) } : {}),
        status: res?.status ?? meta?.status ?? null,
        ...((res?.subStatus ?? (res ? undefined : meta?.subStatus))
          ? { subStatus: res?.subStatus ?? meta?.subStatus }
          : {}),
        ...(res?.resourceId ? { resourceID: cap(res.resourceId, 600) } : {}),
        ...(ref ? { resource: ref } : {}),
        ...(resource && resource.related.length
          ? { relatedObjects: resource.related.slice(0, MAX_PATHS) }
          : {}),
        ...(resource?.meta ? { resourcePointer: resource.meta.pointer } : {}),
        ...(resource?.meta?.sourcePath ? { sourcePath: resource.meta.sourcePath } : {}),
      };
      if (res) {
        if (res.rules.length) {
          excerpt['rules'] = res.rules.slice(0, MAX_PATHS).map((r) => ({
            name: r.name,
            status: r.status,
            ...(r.subStatus ? { subStatus: r.subStatus } : {}),
            ...(r.exceptions.length ? { exceptions: [...new Set(r.exceptions)] } : {}),
          }));
        }
        const p = res.paths;
        if (p.failedPaths.length)
          excerpt['failedPaths'] = p.failedPaths.slice(0, MAX_PATHS).map((s) => cap(s, 300));
        if (p.fixPaths.length)
          excerpt['fixPaths'] = p.fixPaths.slice(0, MAX_PATHS).map((f) => ({
            path: cap(f.path, 300),
            ...(f.value !== undefined ? { value: cap(f.value, 300) } : {}),
          }));
        if (p.reviewPaths.length)
          excerpt['reviewPaths'] = p.reviewPaths.slice(0, MAX_PATHS).map((s) => cap(s, 300));
        if (p.deletePaths.length)
          excerpt['deletePaths'] = p.deletePaths.slice(0, MAX_PATHS).map((s) => cap(s, 300));
        if (res.message) excerpt['alertMessage'] = cap(res.message);
        if (res.info) excerpt['info'] = cap(res.info, 600);
      } else if (meta?.counters) excerpt['resourceCounters'] = meta.counters;
      if (meta?.scoreFactor !== undefined) excerpt['scoreFactor'] = meta.scoreFactor;
      if (meta?.score !== undefined) excerpt['score'] = meta.score;
      evidence.set(evId, {
        id: evId,
        source: SOURCE,
        kind: 'scanner-output',
        collectedAt,
        locator: { file, pointer },
        sha256: input.raw.sha256,
        excerpt: redactValue(excerpt),
      });
      const severity: Severity = severityFromScore(meta?.scoreFactor);
      const props: Record<string, Scalar> = { inputFormat: doc.format, identification: ident.how };
      if (ident.mapRuleId) props['mapRuleId'] = ident.mapRuleId;
      if (ident.cisId) props['cisId'] = ident.cisId;
      if (meta?.scoreFactor !== undefined) props['scoreFactor'] = meta.scoreFactor;
      if (meta?.score !== undefined) props['score'] = meta.score;
      if (doc.frameworks.length) props['frameworks'] = doc.frameworks.join(', ');
      if (res?.resourceId) props['resourceID'] = cap(res.resourceId, 600);
      if (resource?.meta?.sourcePath) props['sourcePath'] = resource.meta.sourcePath;
      if (resource && resource.related.length)
        props['relatedObjects'] = cap(resource.related.map(refText).join('; '), 600);
      if (exceptions.length) props['exceptionPolicies'] = [...new Set(exceptions)].sort().join(', ');
      if (cl.reason) props['reason'] = cl.reason;
      const prio = res?.resourceId ? doc.priorities.get(res.resourceId) : undefined;
      if (prio?.score !== undefined) props['priorityScore'] = prio.score;
      const id = stableId('f', SOURCE, ident.mapRuleId ?? ident.ruleId, resourceKey);
      const resourceRef: ResourceRef | undefined = ref
        ? {
            kind: ref.kind,
            name: ref.name,
            ...(ref.apiVersion ? { apiVersion: ref.apiVersion } : {}),
            ...(ref.namespace ? { namespace: ref.namespace } : {}),
          }
        : undefined;
      const finding: Finding = {
        id,
        source: SOURCE,
        ruleId: ident.ruleId,
        title: redactText(cap(title, 300)),
        status: cl.status,
        nativeStatus: cl.native,
        severity,
        ...(resourceRef ? { resource: resourceRef } : {}),
        message: redactText(messageFor(cl, where, res, meta)),
        evidenceIds: [evId],
        properties: props,
      };
      const prev = findings.get(id);
      if (prev) {
        // The same control on the same resource twice (two reports of one cluster): keep the worse, all evidence.
        duplicates++;
        const worse = STATUS_WEIGHT[finding.status] > STATUS_WEIGHT[prev.status] ? finding : prev;
        worse.evidenceIds = [...new Set([...prev.evidenceIds, ...finding.evidenceIds])].sort();
        worse.properties = { ...worse.properties, duplicateResults: worse.evidenceIds.length };
        findings.set(id, worse);
      } else findings.set(id, finding);
    };

    const withResults = new Set<string>();
    for (const r of doc.results) {
      withResults.add(r.controlId);
      add(r, r.controlId);
    }
    for (const id of [...doc.controls.keys()].sort()) if (!withResults.has(id)) add(undefined, id);
    checkCounters(file, doc, countMismatch);
  }

  if (failures.length > 0 && failures.length === raw.inputs.length) {
    const first = failures[0] as Failure;
    if (failures.length === 1 && first.error instanceof InputError) throw first.error;
    throw new InputError(
      first.file,
      failures
        .map((f) => `${f.file}: ${f.detail}`)
        .join('; ')
        .replace(`${first.file}: `, ''),
      {
        ...(first.hint ? { hint: first.hint } : {}),
      },
    );
  }
  for (const m of countMismatch.slice(0, MAX_LISTED)) notes.push(m);
  if (countMismatch.length > MAX_LISTED)
    notes.push(`… and ${countMismatch.length - MAX_LISTED} more count mismatches`);
  if (clusterNames.size > 1)
    notes.push(`inputs name different clusters: ${[...clusterNames].sort().join(', ')}`);
  if (raw.inputs.length === 0) notes.push('no Kubescape input was given');

  const list = [...findings.values()].sort(
    (a, b) =>
      compareNatural(a.ruleId, b.ruleId) ||
      compareNatural(a.resource?.namespace ?? '', b.resource?.namespace ?? '') ||
      compareNatural(a.resource?.kind ?? '', b.resource?.kind ?? '') ||
      compareNatural(a.resource?.name ?? '', b.resource?.name ?? '') ||
      (a.id < b.id ? -1 : 1),
  );
  const count = (s: FindingStatus): number => list.filter((f) => f.status === s).length;
  const out: SourceOutput = {
    findings: list,
    evidence: [...evidence.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    inputs,
    notes,
    stats: {
      inputs: raw.inputs.length,
      inputsFailed: failures.length,
      results,
      duplicates,
      findings: list.length,
      pass: count('pass'),
      fail: count('fail'),
      waived: count('waived'),
      manual: count('manual'),
      skipped: count('skipped'),
      error: count('error'),
    },
  };
  if (versions.size > 0) out.toolVersion = [...versions].sort().join(', ');
  const clusterName = [...clusterNames].sort()[0];
  if (clusterName || serverVersion || platform) {
    out.cluster = {
      ...(clusterName ? { name: clusterName } : {}),
      ...(serverVersion ? { serverVersion } : {}),
      ...(platform ? { platform } : {}),
    };
  }
  if (failures.length > 0) {
    out.partialError = {
      code: 'input',
      message: `${failures.length} of ${raw.inputs.length} Kubescape inputs could not be used: ${failures
        .map((f) => `${f.file}: ${f.detail}`)
        .join('; ')}`,
      ...(failures[0]?.hint ? { hint: failures[0].hint } : {}),
    };
  }
  return out;
}

/**
 * Per-control counts the report declares (summaryDetails ResourceCounters) against the results it holds.
 * Releases differ in where an excepted resource is counted (`excludedResources`, or `passedResources`
 * with sub-status `w/exceptions`), so passed and excluded are compared as one total when they split differently.
 */
function checkCounters(file: string, doc: ParsedDoc, out: string[]): void {
  if (doc.results.length === 0) return;
  const got = new Map<string, { passed: number; failed: number; skipped: number; excluded: number }>();
  for (const r of doc.results) {
    const st = r.status ? r.status.toLowerCase() : deriveFromRules(r.rules).status;
    const c = got.get(r.controlId) ?? { passed: 0, failed: 0, skipped: 0, excluded: 0 };
    if (st === 'failed') c.failed++;
    else if (st === 'excluded') c.excluded++;
    else if (st === 'skipped') c.skipped++;
    else if (st === 'passed') c.passed++;
    got.set(r.controlId, c);
  }
  for (const [id, meta] of doc.controls) {
    if (!meta.counters) continue;
    const g = got.get(id) ?? { passed: 0, failed: 0, skipped: 0, excluded: 0 };
    const d = meta.counters;
    if (g.failed !== d.failed || g.skipped !== d.skipped || g.passed + g.excluded !== d.passed + d.excluded) {
      out.push(
        `${file}: ${id}: summaryDetails declares ${d.failed} failed, ${d.passed} passed, ${d.excluded} excluded, ` +
          `${d.skipped} skipped resources but results hold ${g.failed}, ${g.passed}, ${g.excluded}, ${g.skipped}`,
      );
    }
  }
}
