import test from 'ava';
import type { Command } from 'commander';
import { buildProgram, flagsToConfig } from '../../src/cli/program.ts';
import { loadConfig } from '../../src/config/load.ts';

/** Parses `kubeproof scan <args>` with the real program and returns the scan command's options. */
function scanOpts(args: string[]): Record<string, unknown> {
  const program = buildProgram();
  let got: Record<string, unknown> = {};
  const scan = program.commands.find((c: Command) => c.name() === 'scan')!;
  scan.action((opts: Record<string, unknown>) => void (got = opts));
  program.parse(['scan', ...args], { from: 'user' });
  return got;
}

test('Job flags reach the configuration with their types; environment variables too', async (t) => {
  const flags = flagsToConfig(
    scanOpts([
      '--in-cluster',
      '--no-kube-bench-jobs',
      '--kube-bench-workers',
      '3',
      '--kube-bench-control-plane',
      'never',
      '--job-timeout',
      '120',
      '--kube-bench-job',
      'app=kube-bench',
      '--kube-bench-job',
      'sec/kb',
      '--metrics-file',
      '/tmp/k.prom',
      '--pushgateway',
      'http://pg:9091',
    ]),
  );
  const cfg = await loadConfig({ env: {}, flags });
  t.true(cfg.cluster.inCluster);
  t.like(cfg.jobs, { timeoutSeconds: 120, parallelism: 5 });
  t.like(cfg.jobs.kubeBench, {
    enabled: false,
    workerNodes: 3,
    controlPlane: 'never',
    existing: ['app=kube-bench', 'sec/kb'],
  });
  t.like(cfg.metrics, { file: '/tmp/k.prom', pushgateway: 'http://pg:9091', job: 'kubeproof' });

  const fromEnv = await loadConfig({
    env: {
      KUBEPROOF_KUBE_BENCH_WORKERS: 'all',
      KUBEPROOF_JOB_NAMESPACE: 'kp',
      KUBEPROOF_KUBE_BENCH_JOBS: 'false',
      KUBEPROOF_CRON: '0 2 * * *',
      KUBEPROOF_TIMEZONE: 'Europe/Berlin',
    },
  });
  t.like(fromEnv.jobs, { namespace: 'kp' });
  t.like(fromEnv.jobs.kubeBench, { workerNodes: 'all', enabled: false });
  t.deepEqual(fromEnv.schedule, { cron: '0 2 * * *', timezone: 'Europe/Berlin' });
});

test('bad Job settings are refused with the field named', async (t) => {
  await t.throwsAsync(loadConfig({ env: {}, flags: { 'jobs.kubeBench.workerNodes': 'some' } }), {
    message: /jobs\.kubeBench\.workerNodes/,
  });
  await t.throwsAsync(loadConfig({ env: {}, flags: { 'jobs.kubeBench.controlPlane': 'sometimes' } }), {
    message: /jobs\.kubeBench\.controlPlane/,
  });
  await t.throwsAsync(loadConfig({ env: {}, flags: { 'metrics.pushgateway': 'ftp://x' } }), {
    message: /metrics\.pushgateway/,
  });
  await t.throwsAsync(loadConfig({ env: {}, flags: { 'jobs.timeoutSeconds': '0' } }), {
    message: /jobs\.timeoutSeconds/,
  });
});
