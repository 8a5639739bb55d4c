import { readFileSync } from 'node:fs';

/** kubeproof's version, from package.json (read once). */
export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
