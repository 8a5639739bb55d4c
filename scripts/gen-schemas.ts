/** Regenerates schemas/*.json from the zod schemas (npm run schemas). */
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { configSchema } from '../src/config/schema.ts';
import { reportJsonSchema } from '../src/model/schema.ts';

await writeFile(
  new URL('../schemas/report.schema.json', import.meta.url),
  JSON.stringify(reportJsonSchema(), null, 2) + '\n',
);
await writeFile(
  new URL('../schemas/config.schema.json', import.meta.url),
  JSON.stringify(
    {
      ...z.toJSONSchema(configSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }),
      title: 'kubeproof configuration',
    },
    null,
    2,
  ) + '\n',
);
