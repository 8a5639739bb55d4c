/**
 * JSON.parse error messages without the input: V8 quotes up to ten characters of the text around an
 * unexpected token (`Unexpected token 'S', ..."word": S3cretPass"... is not valid JSON`), which can be
 * part of a secret. Positions and the kind of error are kept.
 */
export function jsonErrorMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const quoted = msg.indexOf('"');
  if (quoted === -1 || !/ is not valid JSON\s*$/.test(msg)) return msg;
  const head = msg.slice(0, quoted).replace(/[\s,.]+$/, '');
  return head === '' ? 'not valid JSON' : `${head}: not valid JSON`;
}
