import test from 'ava';
import { readFile } from 'node:fs/promises';
import { reportJsonSchema } from '../../src/model/schema.ts';

test('schemas/report.schema.json equals the schema generated from the model (regenerate: npm run schemas)', async (t) => {
  const committed: unknown = JSON.parse(
    await readFile(new URL('../../schemas/report.schema.json', import.meta.url), 'utf8'),
  );
  t.deepEqual(committed, JSON.parse(JSON.stringify(reportJsonSchema())));
});

test('schemas/config.schema.json is current', async (t) => {
  const { z } = await import('zod');
  const { configSchema } = await import('../../src/config/schema.ts');
  const committed: unknown = JSON.parse(
    await readFile(new URL('../../schemas/config.schema.json', import.meta.url), 'utf8'),
  );
  const generated = {
    ...z.toJSONSchema(configSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }),
    title: 'kubeproof configuration',
  };
  t.deepEqual(committed, JSON.parse(JSON.stringify(generated)));
});
