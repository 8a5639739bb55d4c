#!/usr/bin/env node
/**
 * The kubeproof command. The only place that maps errors to exit codes:
 * 0 ok; 1 internal error; 2 bad usage, config or input; 3 partial (a source, format or delivery failed,
 * the report was still written); 4 the opt-in compliance gate (--fail-on) tripped.
 */
import { CommanderError } from 'commander';
import { EXIT, KubeproofError, exitCodeFor } from '../errors.ts';
import { redactText } from '../util/redact.ts';
import { buildProgram } from './program.ts';
import { unknownEnvWarnings } from '../config/env-check.ts';

export async function main(argv: string[]): Promise<number> {
  for (const w of unknownEnvWarnings(process.env)) process.stderr.write(`kubeproof: warning: ${w}\n`);
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return program.exitCode ?? 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      return err.exitCode === 0 ? 0 : EXIT.usage;
    }
    if (err instanceof KubeproofError) {
      process.stderr.write(`kubeproof: error: ${redactText(err.message)}\n`);
      if (err.hint) process.stderr.write(`  hint: ${redactText(err.hint)}\n`);
      return exitCodeFor(err);
    }
    process.stderr.write(
      `kubeproof: internal error: ${redactText((err as Error)?.message ?? String(err))}\n`,
    );
    if (process.env['KUBEPROOF_DEBUG']) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    else process.stderr.write('  (set KUBEPROOF_DEBUG=1 for a stack trace; please report this)\n');
    return EXIT.internal;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
