/**
 * kube-bench inputs → findings and evidence. Pure: values in, values out (clock and mapping bundle
 * come from the context). One finding per (benchmark, check id, node); several inputs (one per node,
 * as a cluster's kube-bench Jobs produce them) merge into one run.
 */
import { InputError } from '../../errors.ts';
import type { Evidence, Finding, FindingStatus, InputRecord, Scalar } from '../../model/types.ts';
import { compareNatural } from '../../util/compare.ts';
import { stableId } from '../../util/hash.ts';
import { redactText } from '../../util/redact.ts';
import type { SourceContext, SourceOutput } from '../types.ts';
import { cap, classify } from './classify.ts';
import type { Classification } from './classify.ts';
import { identifyCheck, inferBenchmark, resolveDeclared } from './infer.ts';
import type { Identification } from './infer.ts';
import { countChecks, formatCounts, sameCounts } from './model.ts';
import type { ParsedCheck, ParsedDoc, ParsedTarget } from './model.ts';
import type { KubeBenchInputOk, KubeBenchRaw } from './read.ts';
import { parseKubeBenchJson } from './schema.ts';
import { looksLikeKubeBenchText, parseKubeBenchText } from './text.ts';

const SOURCE = 'kube-bench' as const;
/** Evidence values (actual value, audit command, remediation) are capped at about 2 KB each. */
const EXCERPT_CAP = 2048;
const MAX_LISTED = 20;

/** Parses one input's text, detecting the format from content. Throws InputError. */
export function parseInput(file: string, bytes: Uint8Array): ParsedDoc {
  if (bytes.includes(0)) {
    throw new InputError(file, 'binary file, not kube-bench output', {
      hint: 'pass kube-bench --json output or its plain text output',
    });
  }
  const text = new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new InputError(file, 'empty file', {
      hint: 'kube-bench wrote nothing: check the Job finished (kubectl logs job/kube-bench) and save its output again',
    });
  }
  if (looksLikeKubeBenchText(trimmed)) return parseKubeBenchText(file, text);
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseKubeBenchJson(file, trimmed);
  throw new InputError(file, 'not kube-bench output: expected JSON or lines like "[PASS] 1.2.1 ..."', {
    hint: 'pass the output of kube-bench --json, or its plain text output (kubectl logs job/kube-bench)',
  });
}

interface Identified {
  variant?: string;
  benchmark?: string;
  how: Identification;
  candidates?: string[];
}

/** Identifies every check of one input. Pure given the bundle; adds run notes. */
function identifyDoc(
  file: string,
  doc: ParsedDoc,
  ctx: SourceContext,
  notes: string[],
  runHint?: string,
): Map<ParsedCheck, Identified> {
  const bundle = ctx.mappings;
  const out = new Map<ParsedCheck, Identified>();
  const declared = new Map<ParsedTarget, string | undefined>();
  for (const t of doc.targets) declared.set(t, resolveDeclared(t.version, bundle));
  const hint = doc.targets.map((t) => declared.get(t)).find((b) => b !== undefined);
  const byDeclared = new Map<string, string[]>();
  for (const t of doc.targets) {
    const b = declared.get(t);
    if (!b) continue;
    for (const c of t.checks) out.set(c, { variant: b, benchmark: b, how: 'declared' });
    const key = `${b} (JSON version ${JSON.stringify(t.version)})`;
    byDeclared.set(key, [...(byDeclared.get(key) ?? []), t.nodeType ?? t.id]);
  }
  for (const [k, ts] of byDeclared)
    notes.push(`${file}: benchmark ${k} declared for targets ${ts.join(', ')}`);

  const rest = doc.targets.filter((t) => !declared.get(t) && t.checks.length > 0);
  if (rest.length === 0) return out;
  const checks = rest.flatMap((t) => t.checks);
  const names = [...new Set(rest.map((t) => t.nodeType ?? t.id))].join(', ');
  const unknownVersions = [...new Set(rest.map((t) => t.version).filter((v): v is string => !!v))];
  const said = unknownVersions.length
    ? `JSON version ${unknownVersions.map((v) => JSON.stringify(v)).join(', ')} is not a benchmark known to mappings ${bundle.version}`
    : 'the input does not name its benchmark';
  const group = inferBenchmark(checks, bundle, hint);
  if (group.benchmark) {
    for (const c of checks)
      out.set(c, { variant: group.benchmark, benchmark: group.benchmark, how: 'inferred' });
    notes.push(`${file}: targets ${names}: ${said}; ${group.explanation}`);
    return out;
  }
  // The other inputs of this run (the same cluster's kube-bench Jobs) declared one benchmark and this
  // input's ids all belong to it: take it, and say so (texts may be customised or translated).
  const runFps = runHint ? bundle.benchmarks.get(runHint)?.fingerprints : undefined;
  if (runHint && runFps && checks.every((c) => runFps.has(c.id))) {
    for (const c of checks) out.set(c, { variant: runHint, benchmark: runHint, how: 'inferred' });
    notes.push(
      `${file}: targets ${names}: ${said}; ${group.explanation}; inferred ${runHint} from the other inputs of ` +
        `this run, which declare it, because all ${checks.length} check ids exist in it`,
    );
    return out;
  }
  let byFp = 0;
  // Prefer the declared sibling, then the best-scoring benchmarks, so one input stays in few benchmarks.
  const preference = [...(hint ? [hint] : []), ...group.scores.map((s) => s.benchmark)];
  for (const t of rest) {
    for (const c of t.checks) {
      const one = identifyCheck(c, bundle, preference);
      if (one) {
        byFp++;
        out.set(c, {
          variant: one.benchmark,
          benchmark: one.benchmark,
          how: 'fingerprint',
          ...(one.candidates.length > 1 ? { candidates: one.candidates } : {}),
        });
      } else {
        // Unknown benchmark: keep the finding under the version it declares (unmapped), never drop it.
        out.set(c, { ...(t.version ? { variant: t.version } : {}), how: 'unidentified' });
      }
    }
  }
  notes.push(
    `${file}: targets ${names}: ${said}; ${group.explanation}: ${byFp} of ${checks.length} checks identified, ` +
      `${checks.length - byFp} unidentified (kept, unmapped)`,
  );
  return out;
}

const NODE_FIELDS = [
  'audit',
  'auditConfig',
  'auditEnv',
  'expected',
  'actual',
  'reason',
  'remediation',
] as const;

/**
 * A copy of the check with every value that came from the node (audit commands and their output,
 * reasons, remediation with substituted paths) redacted. `redact` is memoised per run: the same
 * strings repeat on every node, and redacting long audit output dominates the cost.
 */
function redactCheck(c: ParsedCheck, redact: (s: string) => string): ParsedCheck {
  const r: ParsedCheck = { ...c };
  for (const k of NODE_FIELDS) {
    const v = c[k];
    if (v !== undefined) r[k] = redact(v);
  }
  return r;
}

/** Builds the finding message from an already redacted check. */
function messageFor(c: ParsedCheck, cl: Classification, node: string): string {
  const where = `on node ${node}`;
  const exp = c.expected?.trim() ? cap(c.expected.trim(), 200) : undefined;
  const act = c.actual?.trim() ? cap(c.actual.trim().split('\n')[0] ?? '', 200) : undefined;
  switch (cl.status) {
    case 'pass':
      return `Passed ${where}${exp ? ` (expected ${exp})` : ''}.`;
    case 'fail':
      if (cl.auditError) return `Failed ${where}: the audit could not run (${cl.why ?? 'no reason given'}).`;
      return `Failed ${where}${exp ? `: expected ${exp}` : ''}${act ? `; found ${act}` : ''}.`;
    case 'manual':
      return `Manual review needed ${where}: ${cl.why ?? 'kube-bench reports WARN'}.`;
    case 'error':
      return `Could not run ${where}: ${cl.why ?? 'kube-bench reports WARN'}.`;
    default: {
      const reason = c.reason?.trim() ? ` (${cap(c.reason.trim(), 200)})` : '';
      return `Informational result ${where}${reason}.`;
    }
  }
}

/** The evidence excerpt, from an already redacted check; target fields are redacted here. */
function excerptFor(c: ParsedCheck, t: ParsedTarget, redact: (s: string) => string): Record<string, unknown> {
  const e: Record<string, unknown> = { id: c.id, text: c.text, status: c.status };
  const put = (k: string, v: string | undefined, target = false): void => {
    if (v !== undefined && v !== '') e[k] = cap(target ? redact(v) : v, EXCERPT_CAP);
  };
  put('target', t.id, true);
  put('nodeType', t.nodeType, true);
  put('version', t.version, true);
  put('detectedVersion', t.detectedVersion, true);
  put('section', c.section, true);
  put('type', c.type, true);
  if (c.scored !== undefined) e['scored'] = c.scored;
  put('audit', c.audit);
  put('auditConfig', c.auditConfig);
  put('auditEnv', c.auditEnv);
  put('expected', c.expected);
  put('actual', c.actual);
  put('reason', c.reason);
  put('remediation', c.remediation);
  return e;
}

const STATUS_WEIGHT: Record<FindingStatus, number> = {
  fail: 6,
  error: 5,
  manual: 4,
  skipped: 3,
  waived: 2,
  info: 1,
  pass: 0,
};

interface Failure {
  file: string;
  /** What went wrong, without the file name. */
  detail: string;
  hint?: string;
  error: unknown;
}

const failureText = (f: Failure): string => `${f.file}: ${f.detail}`;

/**
 * Normalizes kube-bench inputs. Inputs that cannot be read or parsed are skipped and reported in
 * `partialError`; when no input could be used, an InputError is thrown (the input's own when there is
 * one input, else one listing every failure).
 */
export function normalizeKubeBench(raw: KubeBenchRaw, ctx: SourceContext): SourceOutput {
  const collectedAt = ctx.now().toISOString();
  const notes: string[] = [];
  const failures: Failure[] = [];
  const inputs: InputRecord[] = [];
  const evidence = new Map<string, Evidence>();
  const findings = new Map<string, Finding>();
  const nodes = new Set<string>();
  const stats = {
    inputs: raw.inputs.length,
    inputsFailed: 0,
    targets: 0,
    checks: 0,
    nativeWarn: 0,
    duplicates: 0,
  };
  const totalsMismatch: string[] = [];
  const memo = new Map<string, string>();
  const redact = (v: string): string => {
    let r = memo.get(v);
    if (r === undefined) {
      r = redactText(v);
      memo.set(v, r);
    }
    return r;
  };

  const parsed: [KubeBenchInputOk, ParsedDoc][] = [];
  for (const input of raw.inputs) {
    if ('error' in input) {
      failures.push({
        file: input.path,
        detail: input.error.message,
        hint: input.error.hint,
        error: undefined,
      });
      inputs.push({ path: input.path });
      continue;
    }
    let doc: ParsedDoc;
    try {
      doc = parseInput(input.raw.path, input.raw.bytes);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const prefix = `${input.raw.path}: `;
      const detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
      failures.push({ file: input.raw.path, detail, hint: err.hint, error: err });
      inputs.push({ path: input.raw.path, sha256: input.raw.sha256, bytes: input.raw.bytes.length });
      continue;
    }
    inputs.push({
      path: input.raw.path,
      sha256: input.raw.sha256,
      bytes: input.raw.bytes.length,
      format: doc.format,
    });
    parsed.push([input, doc]);
  }
  const runDeclared = new Set(
    parsed
      .flatMap(([, d]) => d.targets.map((t) => resolveDeclared(t.version, ctx.mappings)))
      .filter((b) => b !== undefined),
  );
  const runHint = runDeclared.size === 1 ? [...runDeclared][0] : undefined;
  for (const [input, doc] of parsed) addDoc(input, doc);

  function addDoc(input: KubeBenchInputOk, doc: ParsedDoc): void {
    const file = input.raw.path;
    if (input.nodeSource === 'unknown') {
      notes.push(
        `${file}: the node is unknown (kube-bench output does not name it; pass NODE=PATH or name the file ` +
          `kube-bench-<node>.json): findings are attributed to "${input.node}"`,
      );
    } else nodes.add(input.node);
    const ids = identifyDoc(file, doc, ctx, notes, runHint);
    const all = doc.targets.flatMap((t) => t.checks);
    for (const t of doc.targets) {
      stats.targets += t.id === '' ? 0 : 1;
      if (t.declared && !sameCounts(t.declared, countChecks(t.checks))) {
        totalsMismatch.push(
          `${file}: target ${t.nodeType ?? t.id} declares ${formatCounts(t.declared)} but holds ` +
            `${formatCounts(countChecks(t.checks))}`,
        );
      }
    }
    if (doc.declaredTotals && !sameCounts(doc.declaredTotals, countChecks(all))) {
      totalsMismatch.push(
        `${file}: totals declare ${formatCounts(doc.declaredTotals)} but the file holds ${formatCounts(countChecks(all))}`,
      );
    }
    for (const t of doc.targets) {
      for (const raw of t.checks) {
        const c = redactCheck(raw, redact);
        stats.checks++;
        if (c.status === 'WARN') stats.nativeWarn++;
        const ident = ids.get(raw) ?? { how: 'unidentified' as const };
        const cl = classify(c, doc.format === 'kube-bench-text');
        const locator =
          c.pointer !== undefined && doc.format !== 'kube-bench-jsonl'
            ? { file, pointer: c.pointer }
            : {
                file,
                ...(c.pointer ? { pointer: c.pointer } : {}),
                ...(c.line !== undefined ? { line: c.line } : {}),
              };
        const evId = stableId('e', SOURCE, file, locator.pointer ?? '', String(c.line ?? ''));
        evidence.set(evId, {
          id: evId,
          source: SOURCE,
          kind: 'scanner-output',
          collectedAt,
          locator,
          sha256: input.raw.sha256,
          excerpt: excerptFor(c, t, redact),
        });
        const props: Record<string, Scalar> = {
          benchmark: ident.benchmark ?? null,
          identification: ident.how,
          nodeType: t.nodeType ?? null,
          nodeSource: input.nodeSource,
          inputFormat: doc.format,
        };
        if (ident.candidates) props['candidates'] = ident.candidates.join(', ');
        if (t.version) props['declaredVersion'] = t.version;
        if (t.detectedVersion) props['detectedVersion'] = t.detectedVersion;
        if (c.section) props['section'] = c.section;
        if (c.scored !== undefined) props['scored'] = c.scored;
        if (c.type !== undefined) props['checkType'] = c.type;
        if (cl.warnKind) props['warnKind'] = cl.warnKind;
        if (cl.auditError) props['auditError'] = true;
        const id = stableId('f', SOURCE, ident.variant, c.id, input.node);
        const finding: Finding = {
          id,
          source: SOURCE,
          ruleId: c.id,
          ...(ident.variant ? { ruleVariant: ident.variant } : {}),
          title: c.text.trim(),
          status: cl.status,
          nativeStatus: c.status,
          severity: 'unknown',
          resource: { kind: 'Node', name: input.node, node: input.node },
          message: messageFor(c, cl, input.node),
          ...(c.remediation?.trim() ? { remediation: cap(c.remediation.trim(), EXCERPT_CAP) } : {}),
          evidenceIds: [evId],
          properties: props,
        };
        const prev = findings.get(id);
        if (prev) {
          // The same check on the same node twice (two inputs for one node): keep the worse result, all evidence.
          stats.duplicates++;
          const worse = STATUS_WEIGHT[finding.status] > STATUS_WEIGHT[prev.status] ? finding : prev;
          worse.evidenceIds = [...new Set([...prev.evidenceIds, ...finding.evidenceIds])].sort();
          worse.properties = { ...worse.properties, duplicateResults: worse.evidenceIds.length };
          findings.set(id, worse);
        } else findings.set(id, finding);
      }
    }
  }

  if (failures.length > 0 && failures.length === raw.inputs.length) {
    const first = failures[0] as Failure;
    if (failures.length === 1 && first.error instanceof InputError) throw first.error;
    if (failures.length === 1)
      throw new InputError(first.file, first.detail, first.hint ? { hint: first.hint } : {});
    throw new InputError(first.file, failures.map(failureText).join('; '), {
      ...(first.hint ? { hint: first.hint } : {}),
    });
  }

  const list = [...findings.values()];
  markDisagreements(list, notes);
  for (const m of totalsMismatch.slice(0, MAX_LISTED)) {
    notes.push(`${m}: the file was trimmed or edited; findings reflect the checks it holds`);
  }
  if (raw.inputs.length === 0) notes.push('no kube-bench input was given');
  list.sort(
    (a, b) =>
      compareNatural(a.ruleVariant ?? '', b.ruleVariant ?? '') ||
      compareNatural(a.ruleId, b.ruleId) ||
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
      ...stats,
      inputsFailed: failures.length,
      findings: list.length,
      pass: count('pass'),
      fail: count('fail'),
      manual: count('manual'),
      error: count('error'),
      info: count('info'),
    },
  };
  if (nodes.size > 0) out.cluster = { nodes: [...nodes].sort() };
  // kube-bench's detected_version is the Kubernetes minor version it found on the node; used for the
  // report's "API server version" only when nothing better (the live API) is known, and labelled as such.
  const detected = [
    ...new Set(
      parsed
        .flatMap(([, d]) => d.targets.map((t) => t.detectedVersion))
        .filter((v): v is string => !!v && v !== 'none'),
    ),
  ].sort();
  if (detected.length > 0) {
    out.cluster = {
      ...(out.cluster ?? {}),
      serverVersion: `${detected.join(', ')} (detected by kube-bench on the nodes)`,
    };
  }
  if (failures.length > 0) {
    out.partialError = {
      code: 'input',
      message: `${failures.length} of ${raw.inputs.length} kube-bench inputs could not be used: ${failures
        .map(failureText)
        .join('; ')}`,
      ...(failures[0]?.hint ? { hint: failures[0].hint } : {}),
    };
  }
  return out;
}

/** Same check (benchmark, id) with different statuses on different nodes: mark each finding and note it. */
function markDisagreements(list: Finding[], notes: string[]): void {
  const groups = new Map<string, Finding[]>();
  for (const f of list) {
    const k = `${f.ruleVariant ?? ''}|${f.ruleId}`;
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  const lines: string[] = [];
  for (const fs of groups.values()) {
    if (fs.length < 2 || new Set(fs.map((f) => f.status)).size < 2) continue;
    const statuses = fs
      .map((f) => `${f.resource?.name ?? '?'}=${f.status}`)
      .sort()
      .join(', ');
    for (const f of fs) f.properties = { ...f.properties, nodesDisagree: true, nodeStatuses: statuses };
    const first = fs[0] as Finding;
    lines.push(`${first.ruleVariant ? `${first.ruleVariant} ` : ''}${first.ruleId} (${statuses})`);
  }
  if (lines.length === 0) return;
  lines.sort(compareNatural);
  const shown = lines.slice(0, MAX_LISTED).join('; ');
  notes.push(
    `nodes disagree on ${lines.length} check(s): ${shown}${lines.length > MAX_LISTED ? `; and ${lines.length - MAX_LISTED} more` : ''}`,
  );
}
