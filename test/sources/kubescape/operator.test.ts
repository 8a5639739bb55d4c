/** Kubescape operator results read through an injected lister, normalized purely. */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError } from '../../../src/errors.ts';
import { loadSnapshot } from '../../../src/kube/snapshot.ts';
import { kubescapeOperatorSource } from '../../../src/sources/kubescape/index.ts';
import {
  normalizeOperatorScans,
  OPERATOR_RESOURCES,
  readOperatorScans,
} from '../../../src/sources/kubescape/operator.ts';
import type { OperatorResource } from '../../../src/sources/kubescape/operator.ts';
import { ctxFor } from './_helpers.ts';

const labels = (kind: string, name: string, ns: string): Record<string, string> => ({
  'kubescape.io/workload-api-group': 'apps',
  'kubescape.io/workload-api-version': 'v1',
  'kubescape.io/workload-kind': kind,
  'kubescape.io/workload-name': name,
  'kubescape.io/workload-namespace': ns,
});

const scan = {
  apiVersion: 'spdx.softwarecomposition.kubescape.io/v1beta1',
  kind: 'WorkloadConfigurationScan',
  metadata: {
    name: 'apps-v1-deployment-shop-api',
    namespace: 'shop',
    labels: labels('Deployment', 'api', 'shop'),
  },
  spec: {
    controls: {
      'C-0057': {
        controlID: 'C-0057',
        name: 'Privileged container',
        severity: { severity: 'High', scoreFactor: 8 },
        status: { status: 'failed' },
        rules: [
          {
            name: 'rule-privilege-escalation',
            status: { status: 'failed' },
            paths: [
              {
                failedPath: 'spec.template.spec.containers[0].securityContext.privileged',
                fixPath: '',
                fixPathValue: '',
              },
            ],
          },
        ],
      },
      'C-0034': {
        controlID: 'C-0034',
        name: 'Automatic mapping of service account',
        severity: { severity: 'Medium', scoreFactor: 6 },
        status: { status: 'passed', subStatus: 'w/exceptions' },
        rules: [
          {
            name: 'automount-service-account',
            status: { status: 'passed', subStatus: 'w/exceptions' },
            appliedIgnoreRules: ['shop-exempt'],
          },
        ],
      },
      'C-0013': {
        controlID: 'C-0013',
        name: 'Non-root containers',
        severity: { severity: 'Medium', scoreFactor: 6 },
        status: { status: 'passed' },
        rules: [],
      },
    },
    relatedObjects: [],
  },
};

const summaryOnly = {
  kind: 'WorkloadConfigurationScanSummary',
  // Some operator releases write the kind label in lower case.
  metadata: {
    name: 'apps-v1-daemonset-kube-system-agent',
    namespace: 'kube-system',
    labels: { ...labels('daemonset', 'agent', 'kube-system') },
  },
  spec: {
    severities: { critical: 0, high: 1, medium: 0, low: 0, unknown: 0 },
    controls: {
      'C-0038': {
        controlID: 'C-0038',
        severity: { severity: 'High', scoreFactor: 7 },
        status: { status: 'failed' },
      },
    },
  },
};

/** A lister over in-memory objects; resources not in the map fail like a missing CRD (404). */
function lister(objects: Partial<Record<string, unknown[]>>) {
  const seen: string[] = [];
  const list = (r: OperatorResource): AsyncIterable<unknown> => {
    seen.push(r.plural);
    const items = objects[r.plural];
    return (async function* () {
      await Promise.resolve(); // a real lister awaits the API server before the first page
      if (!items) throw new Error(`404 the server could not find the requested resource (${r.plural})`);
      yield* items;
    })();
  };
  return { list, seen };
}

test('readOperatorScans lists the three resources of the operator storage API', async (t) => {
  const l = lister({
    workloadconfigurationscans: [scan],
    workloadconfigurationscansummaries: [summaryOnly],
    configurationscansummaries: [],
  });
  const raw = await readOperatorScans(l.list);
  t.deepEqual(l.seen, [
    'workloadconfigurationscans',
    'workloadconfigurationscansummaries',
    'configurationscansummaries',
  ]);
  t.is(raw.scans.length, 1);
  t.is(raw.summaries.length, 1);
  t.deepEqual(raw.errors, []);
  t.is(OPERATOR_RESOURCES.workloadConfigurationScans.group, 'spdx.softwarecomposition.kubescape.io');
});

test('normalizeOperatorScans: one finding per (control, workload), exceptions waived, summaries fill gaps', async (t) => {
  const raw = await readOperatorScans(
    lister({
      workloadconfigurationscans: [scan],
      workloadconfigurationscansummaries: [summaryOnly],
      configurationscansummaries: [],
    }).list,
  );
  const out = normalizeOperatorScans(raw, ctxFor());
  const priv = out.findings.find((f) => f.ruleId === 'C-0057');
  t.is(priv?.status, 'fail');
  t.is(priv?.severity, 'high');
  t.deepEqual(priv?.resource, { kind: 'Deployment', name: 'api', namespace: 'shop', apiVersion: 'apps/v1' });
  const ev = out.evidence.find((e) => e.id === priv?.evidenceIds[0]);
  t.is(ev?.kind, 'api-object');
  t.is(
    ev?.locator.apiPath,
    '/apis/spdx.softwarecomposition.kubescape.io/v1beta1/namespaces/shop/workloadconfigurationscans/apps-v1-deployment-shop-api',
  );
  t.is(ev?.locator.pointer, '/spec/controls/C-0057');
  const waived = out.findings.find((f) => f.ruleId === 'C-0034');
  t.is(waived?.status, 'waived');
  t.is(waived?.properties?.['exceptionPolicies'], 'shop-exempt');
  t.is(out.findings.find((f) => f.ruleId === 'C-0013')?.status, 'pass');
  const fromSummary = out.findings.find((f) => f.ruleId === 'C-0038');
  t.is(fromSummary?.status, 'fail');
  t.deepEqual(fromSummary?.resource, {
    kind: 'DaemonSet',
    name: 'agent',
    namespace: 'kube-system',
    apiVersion: 'apps/v1',
  });
  t.is(fromSummary?.properties?.['inputFormat'], 'kubescape-operator-summary');
});

test('operator not installed: every list fails, the run is partial with a hint, nothing thrown', async (t) => {
  const raw = await readOperatorScans(lister({}).list);
  t.is(raw.errors.length, 3);
  const out = normalizeOperatorScans(raw, ctxFor());
  t.is(out.findings.length, 0);
  t.regex(out.partialError?.message ?? '', /could not be listed: .*404/);
  t.regex(out.partialError?.hint ?? '', /install the Kubescape operator/);
});

test('discovery says the operator API is not served: a note, no listing, no partial run', async (t) => {
  const l = lister({});
  const raw = await readOperatorScans(l.list, { available: () => Promise.resolve(false) });
  t.deepEqual(l.seen, []);
  const out = normalizeOperatorScans(raw, ctxFor());
  t.is(out.partialError, undefined);
  t.true(out.notes.some((n) => n.includes('the Kubescape operator is not installed')));
});

test('a malformed scan object is an InputError naming the object and path', (t) => {
  const bad = { ...scan, spec: { controls: { 'C-0057': 'oops' } } };
  const err = t.throws(
    () =>
      normalizeOperatorScans({ scans: [bad], summaries: [], namespaceSummaries: [], errors: [] }, ctxFor()),
    {
      instanceOf: InputError,
    },
  );
  t.regex(
    err.message,
    /workloadconfigurationscans\/apps-v1-deployment-shop-api: spec\.controls\["C-0057"\]: expected object/,
  );
});

test('offline: operator objects saved with kubectl get -o json read through the snapshot reader', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeproof-ks-snap-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'wcs.json');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [scan, { ...summaryOnly, apiVersion: scan.apiVersion }],
    }),
  );
  const reader = loadSnapshot([file]);
  const source = kubescapeOperatorSource((r) => reader.listAll(r));
  const ctx = ctxFor();
  const out = source.normalize(await source.read(ctx), ctx);
  t.is(out.findings.find((f) => f.ruleId === 'C-0057')?.status, 'fail');
  t.is(out.findings.find((f) => f.ruleId === 'C-0038')?.resource?.name, 'agent');
  const empty = kubescapeOperatorSource((r) => loadSnapshot([]).listAll(r));
  const none = empty.normalize(await empty.read(ctx), ctx);
  t.is(none.findings.length, 0);
  t.true(none.notes.some((n) => n.startsWith('no Kubescape operator scan results found')));
});
