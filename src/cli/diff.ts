import { UsageError } from '../errors.ts';
import { diffReports, diffText } from '../report/diff.ts';
import { readReport } from './render.ts';

/** `kubeproof diff OLD NEW`: what changed between two reports. Exit 0 (the diff is information). */
export async function diffCommand(
  oldFile: string,
  newFile: string,
  opts: Record<string, unknown>,
): Promise<number> {
  const output = (opts['output'] as string | undefined) ?? 'text';
  if (output !== 'text' && output !== 'json')
    throw new UsageError(`--output: expected text or json, got "${output}"`);
  const [a, b] = await Promise.all([readReport(oldFile), readReport(newFile)]);
  const d = diffReports(a, b);
  process.stdout.write(output === 'json' ? JSON.stringify(d, null, 2) + '\n' : diffText(d));
  return 0;
}
