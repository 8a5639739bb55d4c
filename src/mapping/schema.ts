import { z } from 'zod';
import { RELATIONSHIPS, SEVERITIES, SOURCE_IDS } from '../model/types.ts';

/** Schemas of the YAML files under mappings/ (see mappings/README.md). Unknown fields are errors. */

const id = z.string().min(1);
const isoDate = z
  .union([z.string(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD'));

export const frameworkFileSchema = z.strictObject({
  id,
  name: z.string().min(1),
  version: z.coerce.string(),
  publisher: z.string().min(1),
  url: z.string().optional(),
  titleNote: z.string().min(1),
  families: z.array(z.strictObject({ id: z.coerce.string(), title: z.string().min(1) })).min(1),
  sections: z.array(z.strictObject({ id: z.coerce.string(), title: z.string().min(1) })).optional(),
  controls: z
    .array(
      z.strictObject({
        id: z.coerce.string(),
        title: z.string().min(1),
        family: z.coerce.string(),
        parent: z.coerce.string().optional(),
        baselines: z.array(z.enum(['low', 'moderate', 'high', 'privacy'])).optional(),
        assessment: z.literal('organisational').optional(),
      }),
    )
    .min(1),
});
export type FrameworkFile = z.infer<typeof frameworkFileSchema>;

export const objectiveLinkSchema = z.strictObject({
  control: z.string().regex(/^[a-z0-9.-]+\/.+$/, 'expected <framework-id>/<control-id>'),
  relationship: z.enum(RELATIONSHIPS),
  coverage: z.enum(['full', 'partial']),
  rationale: z.string().min(1),
  reviewed: isoDate.optional(),
});

export const objectiveFileSchema = z.strictObject({
  reviewed: isoDate,
  objectives: z.array(
    z.strictObject({
      id: z.string().regex(/^k8s\.[a-z0-9-]+\.[a-z0-9.-]+$/, 'expected k8s.<area>.<what> in kebab case'),
      title: z.string().min(1),
      description: z.string().optional(),
      severity: z.enum(SEVERITIES),
      reviewed: isoDate.optional(),
      links: z.array(objectiveLinkSchema).min(1),
    }),
  ),
});
export type ObjectiveFile = z.infer<typeof objectiveFileSchema>;

const ruleEntrySchema = z.union([
  z.strictObject({ objectives: z.array(z.string().min(1)).min(1), fp: z.string().optional() }),
  z.strictObject({ outOfScope: z.string().min(1), fp: z.string().optional() }),
]);

export const sourceFileSchema = z.strictObject({
  source: z.enum(SOURCE_IDS),
  variant: z.string().optional(),
  benchmark: z
    .strictObject({
      platform: z.string().min(1),
      aliases: z.array(z.coerce.string()).default([]),
    })
    .optional(),
  rules: z.record(z.string(), ruleEntrySchema),
});
export type SourceFile = z.infer<typeof sourceFileSchema>;
