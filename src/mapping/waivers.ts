import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import type { ControlResult, Finding, GovernanceEntry, WaiverRef } from '../model/types.ts';
import { formatIssues } from '../util/zod-issues.ts';

/**
 * Waivers (accepted failures) and attestations (organisational evidence for manual controls), both with
 * an expiry. Expired entries stop applying and are listed; so are unused and soon-to-expire ones.
 */

const date = z
  .union([z.string(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}(T.*)?$/, 'expected a date YYYY-MM-DD'));

const scopeSchema = z.strictObject({
  cluster: z.string().optional(),
  namespace: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  node: z.string().optional(),
});

export const waiverSchema = z
  .strictObject({
    id: z.string().min(1),
    control: z
      .string()
      .regex(/^[a-z0-9.-]+\/.+$/, 'expected <framework-id>/<control-id>')
      .optional(),
    rule: z
      .string()
      .regex(/^[a-z-]+:[^:]+(:[^:]+)?$/, 'expected <source>:<ruleId> or <source>:<variant>:<ruleId>')
      .optional(),
    scope: scopeSchema.optional(),
    reason: z.string().min(1),
    owner: z.string().min(1),
    approver: z.string().optional(),
    expires: date,
  })
  .refine((w) => Boolean(w.control) !== Boolean(w.rule), {
    message: 'give exactly one of "control" or "rule"',
  });

export const attestationSchema = z.strictObject({
  control: z.string().regex(/^[a-z0-9.-]+\/.+$/, 'expected <framework-id>/<control-id>'),
  by: z.string().min(1),
  evidence: z.string().min(1),
  date,
  expires: date,
});

const fileSchema = z.strictObject({
  waivers: z.array(waiverSchema).default([]),
  attestations: z.array(attestationSchema).default([]),
});

export type Waiver = z.infer<typeof waiverSchema> & { file: string };
export type Attestation = z.infer<typeof attestationSchema> & { file: string };

/** Reads waiver/attestation files (a file or a folder of *.yaml). Errors name the file and entry. */
export async function loadGovernance(
  paths: string[],
): Promise<{ waivers: Waiver[]; attestations: Attestation[] }> {
  const waivers: Waiver[] = [];
  const attestations: Attestation[] = [];
  const files: string[] = [];
  for (const p of paths) {
    try {
      const entries = await readdir(p, { withFileTypes: true });
      for (const e of entries) if (e.isFile() && /\.ya?ml$/.test(e.name)) files.push(path.join(p, e.name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') files.push(p);
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new InputError(p, 'waiver or attestation file not found', {
          hint: 'check the --waivers/--attestations path',
        });
      } else throw err;
    }
  }
  for (const f of files.sort()) {
    const doc = parseDocument(await readFile(f, 'utf8'));
    if (doc.errors.length > 0)
      throw new InputError(f, `invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    const r = fileSchema.safeParse(doc.toJS() ?? {}, { reportInput: true });
    if (!r.success) {
      throw new InputError(
        f,
        `invalid waiver/attestation file:\n  ${formatIssues(r.error).split('\n').join('\n  ')}`,
        {
          hint: 'see mappings/waivers/README.md for the format',
        },
      );
    }
    for (const w of r.data.waivers) {
      if (waivers.some((x) => x.id === w.id))
        throw new InputError(f, `waiver id "${w.id}" is used twice`, { path: 'waivers' });
      waivers.push({ ...w, file: f });
    }
    for (const a of r.data.attestations) attestations.push({ ...a, file: f });
  }
  return { waivers, attestations };
}

function glob(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined) return true;
  if (value === undefined) return false;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(value);
}

function endOfDay(d: string): number {
  return d.length === 10 ? Date.parse(`${d}T23:59:59.999Z`) : Date.parse(d);
}

/**
 * Binds waivers and attestations to a run: `waiverFor` and `attestationFor` plug into assess();
 * `entries()` reports the state of every entry afterwards (active, expiring within 30 days, expired, unused).
 */
export function governance(
  g: { waivers: Waiver[]; attestations: Attestation[] },
  now: Date,
  cluster: string,
  expiringDays = 30,
): {
  waiverFor: (f: Finding, controlRef: string) => WaiverRef | undefined;
  attestationFor: (controlRef: string) => ControlResult['attestation'] | undefined;
  entries: () => GovernanceEntry[];
} {
  const t = now.getTime();
  const uses = new Map<string, number>();
  const active = g.waivers.filter((w) => endOfDay(w.expires) >= t && glob(w.scope?.cluster, cluster));
  const waiverFor = (f: Finding, controlRef: string): WaiverRef | undefined => {
    for (const w of active) {
      if (w.control && w.control !== controlRef) continue;
      if (w.rule) {
        const parts = w.rule.split(':');
        const [source, variant, ruleId] = parts.length === 3 ? parts : [parts[0], undefined, parts[1]];
        if (
          f.source !== source ||
          f.ruleId !== ruleId ||
          (variant !== undefined && f.ruleVariant !== variant)
        )
          continue;
      }
      const r = f.resource;
      if (
        !glob(w.scope?.namespace, r?.namespace) ||
        !glob(w.scope?.kind, r?.kind) ||
        !glob(w.scope?.name, r?.name)
      )
        continue;
      if (!glob(w.scope?.node, r?.node)) continue;
      uses.set(w.id, (uses.get(w.id) ?? 0) + 1);
      return {
        id: w.id,
        reason: w.reason,
        owner: w.owner,
        expires: w.expires,
        origin: 'kubeproof',
        ...(w.approver ? { approver: w.approver } : {}),
      };
    }
    return undefined;
  };
  const attestationFor = (controlRef: string): ControlResult['attestation'] | undefined => {
    const a = g.attestations
      .filter((x) => x.control === controlRef && endOfDay(x.expires) >= t && Date.parse(x.date) <= t)
      .sort((x, y) => (x.expires < y.expires ? 1 : -1))[0];
    if (!a) return undefined;
    uses.set(`attestation:${a.control}:${a.date}`, (uses.get(`attestation:${a.control}:${a.date}`) ?? 0) + 1);
    return { by: a.by, evidence: a.evidence, date: a.date, expires: a.expires };
  };
  const state = (expires: string, used: number): GovernanceEntry['state'] => {
    const e = endOfDay(expires);
    if (e < t) return 'expired';
    if (used === 0) return 'unused';
    return e - t <= expiringDays * 86_400_000 ? 'expiring' : 'active';
  };
  const entries = (): GovernanceEntry[] => [
    ...g.waivers.map((w) => {
      const n = uses.get(w.id) ?? 0;
      return {
        kind: 'waiver' as const,
        id: w.id,
        target: w.control ?? w.rule ?? '',
        owner: w.owner,
        expires: w.expires,
        file: w.file,
        state: state(w.expires, n),
        uses: n,
      };
    }),
    ...g.attestations.map((a) => {
      const n = uses.get(`attestation:${a.control}:${a.date}`) ?? 0;
      return {
        kind: 'attestation' as const,
        id: `${a.control}@${a.date}`,
        target: a.control,
        owner: a.by,
        expires: a.expires,
        file: a.file,
        state: state(a.expires, n),
        uses: n,
      };
    }),
  ];
  return { waiverFor, attestationFor, entries };
}
