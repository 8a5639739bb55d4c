/**
 * Typed errors with a stable code and a hint. src/cli/main.ts is the only place that maps them
 * to exit codes: UsageError/InputError/ConfigError → 2, PartialError → 3, GateError → 4, anything else → 1.
 */
export class KubeproofError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(code: string, message: string, hint?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }
}

/** Bad command-line usage. Exit 2. */
export class UsageError extends KubeproofError {
  constructor(message: string, hint?: string) {
    super('usage', message, hint);
  }
}

/** Invalid configuration (file, environment or flags). Exit 2. Message starts with the field path. */
export class ConfigError extends KubeproofError {
  constructor(message: string, hint?: string) {
    super('config', message, hint);
  }
}

/**
 * An input file that cannot be read or does not have the expected shape. Exit 2.
 * `file` and `path` (a JSON path like `Controls[0].tests[3].results`) locate the problem.
 */
export class InputError extends KubeproofError {
  readonly file: string;
  readonly path: string | undefined;
  constructor(file: string, message: string, opts: { path?: string; hint?: string; cause?: unknown } = {}) {
    super('input', `${file}${opts.path ? `: ${opts.path}` : ''}: ${message}`, opts.hint, {
      cause: opts.cause,
    });
    this.file = file;
    this.path = opts.path;
  }
}

/** Mapping data (mappings/) is invalid. Exit 2. */
export class MappingError extends KubeproofError {
  constructor(message: string, hint?: string) {
    super('mapping', message, hint);
  }
}

/** A source failed to collect. The run goes on; the source is recorded as failed; exit 3. */
export class SourceError extends KubeproofError {
  constructor(code: string, message: string, hint?: string, options?: ErrorOptions) {
    super(code, message, hint, options);
  }
}

export const EXIT = { ok: 0, internal: 1, usage: 2, partial: 3, gate: 4 } as const;

export function exitCodeFor(err: unknown): number {
  if (
    err instanceof UsageError ||
    err instanceof ConfigError ||
    err instanceof InputError ||
    err instanceof MappingError
  ) {
    return EXIT.usage;
  }
  return EXIT.internal;
}
