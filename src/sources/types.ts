import type { Evidence, Finding, InputRecord, Scalar, SourceId } from '../model/types.ts';
import type { MappingBundle } from '../mapping/types.ts';
import type { Logger } from '../util/log.ts';

/** What every source's read() and normalize() receive. Clock and logger are injected. */
export interface SourceContext {
  now: () => Date;
  log: Logger;
  mappings: MappingBundle;
  /** Report window, when given (`--since`/`--until`). */
  period?: { from?: Date; to?: Date };
  /** Abort long collection (per-run timeout, SIGTERM). */
  signal?: AbortSignal;
}

/** One raw input as read from disk, stdin or the API: bytes and where they came from. */
export interface RawInput {
  /** File path as given, `-` for stdin, or an API URL. */
  path: string;
  bytes: Uint8Array;
  sha256: string;
}

/** What normalize() returns: pure values, nothing written anywhere. */
export interface SourceOutput {
  findings: Finding[];
  evidence: Evidence[];
  inputs: InputRecord[];
  toolVersion?: string;
  stats?: Record<string, Scalar>;
  notes: string[];
  /** What the input says about the cluster (name, server version, nodes), used when nothing better is known. */
  cluster?: { name?: string; serverVersion?: string; nodes?: string[]; platform?: string };
  /**
   * Set when the source ran only in part (some inputs unreadable, some API calls refused): the run
   * record becomes `partial` with this error and the report is still written.
   */
  partialError?: { code: string; message: string; hint?: string };
  /**
   * Set when the source found nothing to assess and that is not an error (an optional operator not
   * installed): the run is recorded as `skipped` with this reason, and its controls count as not run.
   */
  skipped?: string;
}

/**
 * A source: `read` does the I/O, `normalize` is pure. `detect` recognises this source's input
 * from parsed JSON (used to name another tool's file in error messages).
 */
export interface Source<Raw = RawInput[]> {
  id: SourceId;
  title: string;
  read(ctx: SourceContext): Promise<Raw>;
  normalize(raw: Raw, ctx: SourceContext): SourceOutput;
  detect?(json: unknown): boolean;
}
