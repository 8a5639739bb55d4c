/**
 * The email templates (templates/email/): the only module that knows their names. The HTML body is
 * compiled with handlebars' default escaping (never `{{{ }}}`); the text body is text/plain, where HTML
 * escaping would only garble names, so it is compiled with noEscape. Both are strict: a missing field
 * is a bug, not an empty cell.
 */
import { readFile } from 'node:fs/promises';
import Handlebars from 'handlebars';
import type { EmailView } from './summary.ts';

const DIR = new URL('../../templates/email/', import.meta.url);

type Compiled = (view: object) => string;
let cache: Promise<{ html: Compiled; text: Compiled }> | undefined;

async function load(): Promise<{ html: Compiled; text: Compiled }> {
  const [html, text] = await Promise.all([
    readFile(new URL('summary.html.hbs', DIR), 'utf8'),
    readFile(new URL('summary.txt.hbs', DIR), 'utf8'),
  ]);
  const hb = Handlebars.create();
  return {
    html: hb.compile(html, { strict: true }),
    text: hb.compile(text, { strict: true, noEscape: true }),
  };
}

/** Renders both bodies from a plain-object view. */
export async function renderEmail(view: EmailView): Promise<{ html: string; text: string }> {
  cache ??= load();
  const t = await cache;
  // a JSON round trip guarantees plain objects (handlebars hides prototype getters)
  const plain = JSON.parse(JSON.stringify(view)) as object;
  return { html: t.html(plain), text: t.text(plain).replace(/\n{3,}/g, '\n\n') };
}

/** Renders a one-line template (subject, report URL) without HTML escaping; CR/LF become spaces. */
export function renderLine(template: string, vars: Record<string, string | number>): string {
  const out = Handlebars.create().compile(template, { noEscape: true })(vars);
  return out.replace(/[\r\n]+/g, ' ').trim();
}
