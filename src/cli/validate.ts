import { loadConfig } from '../config/load.ts';
import { unknownFrameworksError } from '../config/frameworks.ts';
import { CONFIG_ENV } from '../config/options.ts';
import { KubeproofError } from '../errors.ts';
import { DEFAULT_MAPPINGS_DIR, readMappings } from '../mapping/load.ts';

/** `kubeproof validate`: checks the config (if any) and the mapping data; exit 2 on any error. */
export async function validateCommand(opts: Record<string, unknown>): Promise<number> {
  let code = 0;
  const cfgFile = (opts['config'] as string | undefined) ?? process.env[CONFIG_ENV];
  let mappingsDir = (opts['mappings'] as string | undefined) ?? process.env['KUBEPROOF_MAPPINGS'];
  let frameworks: string[] | undefined;
  if (cfgFile) {
    try {
      const cfg = await loadConfig({ file: cfgFile, env: process.env });
      mappingsDir ??= cfg.mappingsDir;
      frameworks = cfg.frameworks;
    } catch (err) {
      if (!(err instanceof KubeproofError)) throw err;
      process.stdout.write(`config: ${err.message}\n`);
      code = 2;
    }
  }
  const dir = mappingsDir ?? DEFAULT_MAPPINGS_DIR;
  const { bundle, errors, warnings } = await readMappings(dir);
  for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
  for (const e of errors) process.stdout.write(`error: ${e}\n`);
  if (cfgFile && code === 0) {
    // Framework ids are checked against the mapping data, as scan does before it collects anything.
    const err = unknownFrameworksError(
      frameworks ?? [],
      bundle.frameworks.map((f) => f.id),
    );
    if (err) {
      process.stdout.write(`config ${cfgFile}: ${err.message}\n  hint: ${err.hint}\n`);
      code = 2;
    } else process.stdout.write(`config ${cfgFile}: ok\n`);
  }
  const rules = bundle.rules.size;
  process.stdout.write(
    `mappings ${bundle.version} (sha256 ${bundle.sha256.slice(0, 12)}…): ${bundle.frameworks.length} frameworks, ` +
      `${bundle.frameworks.reduce((n, f) => n + f.controls.length, 0)} controls, ${bundle.objectives.size} objectives, ` +
      `${rules} rule mappings, ${bundle.benchmarks.size} kube-bench benchmarks: ${errors.length === 0 ? 'ok' : `${errors.length} errors`}\n`,
  );
  return errors.length > 0 ? 2 : code;
}
