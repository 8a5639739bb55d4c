import test from 'ava';
import type { ExecutionContext } from 'ava';
import { InputError } from '../../../src/errors.ts';
import { fixture, fixtureBundle, memReader, run } from './_helpers.ts';

async function inputError(
  t: ExecutionContext,
  specs: string[],
  reader?: Parameters<typeof run>[2],
): Promise<InputError> {
  const err = await t.throwsAsync(run(specs, fixtureBundle(), reader), { instanceOf: InputError });
  if (!err) throw new Error('expected an InputError');
  return err;
}

test('truncated JSON: InputError names the file, says truncated and how to fix it', async (t) => {
  const file = fixture('truncated.json');
  const err = await inputError(t, [file]);
  t.is(err.file, file);
  t.regex(
    err.message,
    /truncated JSON: the document ends with 7 bracket\(s\) still open \(Expected double-quoted/,
  );
  t.regex(err.hint ?? '', /copy the complete output/);
  t.is(err.code, 'input');
});

test('Kubescape JSON passed as kube-bench: says so and names the right flag', async (t) => {
  const err = await inputError(t, [fixture('kubescape-as-kube-bench.json')]);
  t.regex(err.message, /this looks like Kubescape output, not kube-bench output/);
  t.is(err.hint, 'pass it with --kubescape');
});

test('Trivy and Polaris JSON are recognised too', async (t) => {
  const trivy = await inputError(
    t,
    ['t.json'],
    memReader({ 't.json': '{"ClusterName":"c","Vulnerabilities":[]}' }),
  );
  t.regex(trivy.message, /looks like Trivy output/);
  const polaris = await inputError(
    t,
    ['p.json'],
    memReader({ 'p.json': '{"PolarisOutputVersion":"1.0","Results":[]}' }),
  );
  t.regex(polaris.message, /looks like Polaris output/);
});

test('an audit log passed as kube-bench (one event or JSON lines): says so and names --audit-log', async (t) => {
  const event = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: 'a1',
    stage: 'ResponseComplete',
    verb: 'get',
  };
  const one = await inputError(t, ['e.json'], memReader({ 'e.json': JSON.stringify(event) }));
  t.regex(one.message, /this looks like Kubernetes audit log output, not kube-bench output/);
  t.is(one.hint, 'pass it with --audit-log');
  const lines = `${JSON.stringify(event)}\n${JSON.stringify({ ...event, auditID: 'a2' })}\n`;
  const many = await inputError(t, ['audit.log'], memReader({ 'audit.log': lines }));
  t.regex(many.message, /this looks like Kubernetes audit log output \(JSON lines\), not kube-bench output/);
  t.is(many.hint, 'pass it with --audit-log');
});

test('empty file: InputError with a hint', async (t) => {
  const err = await inputError(t, [fixture('empty.json')]);
  t.regex(err.message, /empty\.json: empty file$/);
  t.regex(err.hint ?? '', /kubectl logs job\/kube-bench/);
});

test('missing file: InputError naming it', async (t) => {
  const missing = fixture('no-such-file.json');
  const err = await inputError(t, [missing]);
  t.is(err.message, `${missing}: file not found`);
  t.regex(err.hint ?? '', /use - to read standard input/);
});

test('a wrong shape is reported with its JSON path', async (t) => {
  const doc = JSON.stringify({
    Controls: [
      {
        id: '1',
        tests: [
          { section: '1.1', results: null },
          { section: '1.2', results: 'x' },
        ],
      },
    ],
  });
  const err = await inputError(t, ['kb.json'], memReader({ 'kb.json': doc }));
  t.is(err.message, 'kb.json: Controls[0].tests[1].results: expected array, got string');
  t.is(err.path, 'Controls[0].tests[1].results');
  const bad = JSON.stringify([
    { id: '1', tests: [{ results: [{ test_number: '1.1.1', test_desc: 'x', status: 'GREAT' }] }] },
  ]);
  const err2 = await inputError(t, ['kb.json'], memReader({ 'kb.json': bad }));
  t.regex(err2.message, /^kb\.json: \[0\]\.tests\[0\]\.results\[0\]\.status: unknown status "GREAT"/);
  const other = await inputError(t, ['kb.json'], memReader({ 'kb.json': '{"hello":1}' }));
  t.regex(other.message, /expected kube-bench --json output .* with keys hello/);
  const prose = await inputError(t, ['kb.txt'], memReader({ 'kb.txt': 'hello world\n' }));
  t.regex(prose.message, /not kube-bench output/);
});

test('a bad input among several: the others are processed and partialError says which failed', async (t) => {
  const out = await run(
    [
      `cp-1=${fixture('controls-object.json')}`,
      fixture('truncated.json'),
      fixture('missing.json'),
      fixture('empty.json'),
    ],
    fixtureBundle(),
  );
  t.is(out.findings.length, 8);
  t.truthy(out.partialError);
  t.is(out.partialError?.code, 'input');
  t.regex(
    out.partialError?.message ?? '',
    /^3 of 4 kube-bench inputs could not be used: .*truncated\.json: truncated JSON.*missing\.json: file not found.*empty\.json: empty file/,
  );
  t.is(out.stats?.['inputsFailed'], 3);
  t.is(out.inputs.length, 4);
  t.is(out.inputs[0]?.format, 'kube-bench-json-controls');
  t.is(out.inputs[1]?.format, undefined);
});

test('several inputs that all fail: one InputError listing them', async (t) => {
  const err = await inputError(t, [fixture('empty.json'), fixture('missing.json')]);
  t.regex(err.message, /empty\.json: empty file; .*missing\.json: file not found/);
});
