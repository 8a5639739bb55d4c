import test from 'ava';
import { renderJson, stringifyIndented } from '../../src/render/json.ts';
import { makeModel } from '../fixtures/render/model.ts';

const reference = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

test('report.json is byte for byte JSON.stringify(model, null, 2) plus a newline, as UTF-8 bytes', (t) => {
  const model = makeModel({ findings: 300 });
  const a = renderJson(model);
  t.true(a.body instanceof Uint8Array);
  t.is(Buffer.from(a.body).toString('utf8'), reference(model));
});

test('stringifyIndented matches JSON.stringify on the shapes it splits: empty, omitted, nested, escaped', (t) => {
  const cases: unknown[] = [
    {},
    [],
    { a: [], b: {}, c: [[]], d: [{}] },
    { keep: 1, gone: undefined, fn: () => 1, sym: Symbol('x'), nul: null },
    [undefined, () => 1, Symbol('y'), null, 0, false, ''],
    {
      text: 'line\nbreak\ttab "quoted" \\ \u2028 支付 \u0001',
      nested: { deeper: { deepest: ['a\nb', { k: 'v' }] } },
    },
    { date: new Date('2026-11-23T00:00:00Z'), withToJSON: { toJSON: () => ({ replaced: ['x'] }) } },
    { '2': 'numeric keys first', b: 1, '1': 'in the order JSON.stringify uses', a: [1, [2, [3, [4]]]] },
    'a bare string',
    42,
    null,
  ];
  for (const c of cases)
    t.is(stringifyIndented(c).toString('utf8'), reference(c), JSON.stringify(c) ?? String(c));
});

test('stringifyIndented: output larger than one chunk is whole and in order', (t) => {
  const big = {
    items: Array.from({ length: 30_000 }, (_, i) => ({
      i,
      text: `item ${i} ${'x'.repeat(40)}`,
      tags: ['a', 'b'],
    })),
  };
  const out = stringifyIndented(big);
  t.true(out.length > 2 * (1 << 20));
  t.is(out.toString('utf8'), reference(big));
});
