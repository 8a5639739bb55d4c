import { Command, Option } from 'commander';
import { OPTIONS } from '../config/options.ts';
import { TOOL_VERSION } from '../version.ts';
import { diffCommand } from './diff.ts';
import { renderCommand } from './render.ts';
import { scanCommand } from './scan.ts';
import { DEFAULT_GRACE_SECONDS, scheduleCommand } from './schedule.ts';
import { validateCommand } from './validate.ts';
import { verifyCommand } from './verify.ts';
import { fleetCommand } from './fleet.ts';

export interface ProgramWithExit extends Command {
  exitCode?: number;
}

/** Builds the commander program. Each command's action sets `program.exitCode`. */
export function buildProgram(): ProgramWithExit {
  const program: ProgramWithExit = new Command('kubeproof');
  program
    .description(
      "Turns a Kubernetes cluster's security state into audit evidence mapped to PCI DSS v4.0.1, SOC 2, " +
        'ISO/IEC 27001:2022 Annex A and NIST SP 800-53 Rev. 5.',
    )
    .version(TOOL_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText(
      'after',
      `
Exit codes: 0 ok; 1 internal error; 2 bad usage, config or input; 3 partial (a source, output format
or delivery failed; the report was still written); 4 --fail-on tripped; 5 verify: the bundle does not verify.

Examples:
  kubeproof scan --demo                                   # built-in demo, no cluster needed
  kubeproof scan --no-cluster --kube-bench kb.json --format json,html,pdf
  kubeproof render kubeproof-report/report.json --format pdf --frameworks pci
  kubeproof validate --config kubeproof.yaml
  kubeproof schedule --cron "0 2 * * *" --timezone Europe/Berlin --config kubeproof.yaml`,
    );

  const setExit = (code: number): void => {
    program.exitCode = code;
  };

  const scan = program
    .command('scan')
    .description('collect evidence, map it to the frameworks, write the report and deliver it')
    .option('-c, --config <file>', 'YAML configuration file (also KUBEPROOF_CONFIG)')
    .option('--demo', 'scan the built-in demo inputs (no cluster needed)');
  addOptions(scan, 'scan');
  scan.action(async (opts: Record<string, unknown>) => setExit(await scanCommand(opts)));

  const schedule = program
    .command('schedule')
    .description('run scans on a cron schedule outside Kubernetes: never two at once; SIGTERM stops cleanly')
    .option('-c, --config <file>', 'YAML configuration file (also KUBEPROOF_CONFIG)')
    .option(
      '--grace-period <seconds>',
      `on SIGTERM, wait this long for a run in progress before aborting it (default ${DEFAULT_GRACE_SECONDS})`,
    );
  addOptions(schedule, 'schedule');
  schedule.action(async (opts: Record<string, unknown>) => setExit(await scheduleCommand(opts)));

  const render = program
    .command('render')
    .description(
      're-render an existing report.json in other formats, without rescanning; the report.json is copied ' +
        'unchanged into --out and every format cites its SHA-256',
    )
    .argument('<report.json>', 'a report.json written by `kubeproof scan`')
    .option('-c, --config <file>', 'YAML configuration file (also KUBEPROOF_CONFIG)');
  addOptions(render, 'render');
  render.action(async (file: string, opts: Record<string, unknown>) =>
    setExit(await renderCommand(file, opts)),
  );

  program
    .command('validate')
    .description(
      'check the configuration file and the mapping data; prints every problem with its file and field',
    )
    .option('-c, --config <file>', 'YAML configuration file to check (also KUBEPROOF_CONFIG)')
    .option('--mappings <dir>', 'mappings folder to check (default: the one shipped with kubeproof)')
    .action(async (opts: Record<string, unknown>) => setExit(await validateCommand(opts)));

  program
    .command('diff')
    .description('show what changed between two reports: new and resolved failures, control status changes')
    .argument('<old.json>', 'the earlier report.json')
    .argument('<new.json>', 'the later report.json')
    .option('-o, --output <fmt>', 'text (default) or json')
    .action(async (a: string, b: string, opts: Record<string, unknown>) =>
      setExit(await diffCommand(a, b, opts)),
    );

  program
    .command('verify')
    .description(
      'check an evidence bundle: every file against manifest.json, and its signature (exit 5 when it does not verify)',
    )
    .argument(
      '<location>',
      'the folder a run wrote, an S3 run folder s3://bucket/prefix/cluster/yyyy/mm/dd/runId, or a cluster folder (newest run)',
    )
    .option(
      '--public-key <file>',
      'the expected signer (Ed25519 SPKI PEM); without it the embedded key is used: integrity, not origin',
    )
    .option(
      '--input <file>',
      'a raw input (kube-bench, Kubescape output...) to check against the hashes the manifest records; repeatable',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option('-o, --output <fmt>', 'text (default) or json')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint; AWS_ENDPOINT_URL_S3 is used when absent')
    .option('--s3-region <region>', 'S3 region (default AWS_REGION)')
    .option('--s3-path-style', 'path-style S3 addressing')
    .action(async (where: string, opts: Record<string, unknown>) =>
      setExit(await verifyCommand(where, opts)),
    );

  program
    .command('fleet')
    .description('aggregate the latest report of every cluster into one fleet report, without rescanning')
    .requiredOption(
      '--from <location>',
      'a folder of reports or s3://bucket/prefix; repeatable',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option('--out <dir>', 'output folder for fleet.json and fleet.html (default ./kubeproof-fleet)')
    .option('--stale-days <n>', 'flag reports older than this many days (default 8)')
    .option('--top <n>', 'worst controls listed (default 20)')
    .option('-o, --output <fmt>', 'stdout: text table (default) or json')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint; AWS_ENDPOINT_URL_S3 is used when absent')
    .option('--s3-region <region>', 'S3 region (default AWS_REGION)')
    .option('--s3-path-style', 'path-style S3 addressing')
    .action(async (opts: Record<string, unknown>) => setExit(await fleetCommand(opts)));

  for (const c of program.commands) {
    c.exitOverride().helpOption('-h, --help', 'show help').showHelpAfterError('(run with --help for usage)');
  }
  return program;
}

/** Registers the option table's flags for a command; repeatable flags collect into arrays. */
function addOptions(cmd: Command, name: 'scan' | 'render' | 'schedule'): void {
  for (const def of OPTIONS) {
    if (!def.commands.includes(name)) continue;
    const desc = def.env ? `${def.description} [env ${def.env}]` : def.description;
    const opt = new Option(def.flag, desc);
    if (def.kind === 'repeatable')
      opt.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
    cmd.addOption(opt);
  }
}

/** Maps parsed commander options back to config paths (using the same table). */
export function flagsToConfig(cmdOpts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const def of OPTIONS) {
    const attr = new Option(def.flag).attributeName();
    const v = cmdOpts[attr];
    if (v === undefined) continue;
    if (def.flag.startsWith('--no-')) {
      // commander defaults a --no-x flag to true; only an explicit --no-x (false) is a setting
      if (v === false) out[def.path] = false;
      continue;
    }
    if (def.kind === 'list' && typeof v === 'string') {
      out[def.path] = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    } else if (def.kind === 'number' && typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) {
      out[def.path] = Number(v);
    } else out[def.path] = v;
  }
  return out;
}
