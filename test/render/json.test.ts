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

test('stringifyIndented follows JSON.stringify on toJSON (with its key), boxed primitives and getters', (t) => {
  const keys: string[] = [];
  const spy = { toJSON: (k: string) => (keys.push(k), { seen: k }) };
  const cases: unknown[] = [
    { a: spy, list: [spy, spy] },
    { gone: { toJSON: () => undefined }, fn: { toJSON: () => () => 1 }, kept: 1 },
    [{ toJSON: () => undefined }, { toJSON: () => Symbol('s') }],
    { n: new Number(3), s: new String('x'), b: new Boolean(false), deep: { n: [new Number(4)] } },
    { top: { toJSON: () => ({ nested: { toJSON: (k: string) => `inner ${k}` } }) } },
  ];
  cases.forEach((c, i) => {
    keys.length = 0;
    const ours = stringifyIndented(c).toString('utf8');
    const ourKeys = [...keys];
    keys.length = 0;
    const ref = reference(c);
    t.is(ours, ref, `case ${i}`);
    t.deepEqual(ourKeys, keys, `case ${i}: toJSON receives the same keys`);
  });
  let reads = 0;
  const withGetter = {
    get value() {
      reads++;
      return { x: 1 };
    },
  };
  t.is(stringifyIndented(withGetter).toString('utf8'), reference({ value: { x: 1 } }));
  t.is(reads, 1, 'a getter runs once, as in JSON.stringify');
  t.throws(() => stringifyIndented({ big: 1n }), { instanceOf: TypeError });
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
