import test from 'ava';
import { jsonErrorMessage } from '../../src/util/json-error.ts';

function parseError(text: string): unknown {
  try {
    JSON.parse(text);
  } catch (err) {
    return err;
  }
  throw new Error('parsed');
}

test('JSON syntax errors keep their kind and position but never quote the input', (t) => {
  for (const text of [
    '{"x": S3cretPassw0rdXYZ}',
    '{"apiVersion":"v1","kind":"Secret","data":{"x": S3cretPassw0rdXYZ}}',
    'S3cretPassw0rd',
  ]) {
    const m = jsonErrorMessage(parseError(text));
    t.false(m.includes('S3cret'), m);
    t.regex(m, /^Unexpected token 'S': not valid JSON$/);
  }
  t.is(
    jsonErrorMessage(parseError('{"a":1')),
    "Expected ',' or '}' after property value in JSON at position 6 (line 1 column 7)",
  );
  t.is(jsonErrorMessage(parseError('')), 'Unexpected end of JSON input');
  t.is(jsonErrorMessage(new SyntaxError('"[object Object]" is not valid JSON')), 'not valid JSON');
});
