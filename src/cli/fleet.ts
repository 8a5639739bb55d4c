import { UsageError } from '../errors.ts';
import { writeLocal } from '../deliver/file.ts';
import { fleetFrom, fleetHtml, fleetJson, fleetText } from '../fleet/index.ts';

function count(opts: Record<string, unknown>, key: string, flag: string): number | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n)) {
    throw new UsageError(`${flag}: expected a non-negative number, got ${JSON.stringify(v)}`);
  }
  return n;
}

/**
 * `kubeproof fleet --from s3://bucket/prefix|DIR ...`: writes fleet.json and fleet.html, prints the table.
 * Exit 0; 3 when some location or report could not be read (the fleet report lists them); 2 when nothing was found.
 */
export async function fleetCommand(opts: Record<string, unknown>): Promise<number> {
  const from = (opts['from'] as string[] | undefined) ?? [];
  if (from.length === 0)
    throw new UsageError('--from is required (a folder of reports or s3://bucket/prefix)');
  const output = (opts['output'] as string | undefined) ?? 'text';
  if (output !== 'text' && output !== 'json')
    throw new UsageError(`--output: expected text or json, got "${output}"`);
  const staleDays = count(opts, 'staleDays', '--stale-days');
  const top = count(opts, 'top', '--top');
  const fleet = await fleetFrom({
    from,
    now: new Date(),
    ...(staleDays !== undefined ? { staleDays } : {}),
    ...(top !== undefined ? { top: Math.floor(top) } : {}),
    s3: {
      endpoint: opts['s3Endpoint'] as string | undefined,
      region: opts['s3Region'] as string | undefined,
      pathStyle: opts['s3PathStyle'] === true,
    },
  });
  const out = (opts['out'] as string | undefined) ?? 'kubeproof-fleet';
  const local = await writeLocal(out, [fleetJson(fleet), await fleetHtml(fleet)]);
  process.stdout.write(output === 'json' ? JSON.stringify(fleet, null, 2) + '\n' : fleetText(fleet));
  if (!local.ok) {
    process.stderr.write(`kubeproof: error: writing ${out}: ${local.error ?? 'failed'}\n`);
    return 3;
  }
  if (output === 'text') process.stdout.write(`Wrote fleet.json, fleet.html to ${out}/\n`);
  if (fleet.clusters.length === 0) {
    process.stderr.write('kubeproof: error: no report found in any --from location\n');
    return 2;
  }
  for (const p of fleet.problems)
    process.stderr.write(`kubeproof: warning: ${p.from}: ${p.message.split('\n')[0]}\n`);
  return fleet.problems.length > 0 ? 3 : 0;
}
