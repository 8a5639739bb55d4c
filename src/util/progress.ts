/**
 * Progress of long work (scanner Jobs): a redrawn bar on an interactive terminal in text mode, one log
 * line per step otherwise (JSON logs in the cluster, CI, pipes), so structured logs stay line-oriented.
 */
import type { Logger } from './log.ts';

export interface Progress {
  /** One more step done; `item` names it (a node). */
  tick(item?: string): void;
  /** Ends the bar (newline on a terminal). */
  done(): void;
}

export interface ProgressOptions {
  total: number;
  label: string;
  log: Logger;
  /** Where the bar is drawn (default process.stderr). */
  stream?: { isTTY?: boolean; columns?: number; write(s: string): unknown };
  /** Draw a bar (text logs on a terminal); otherwise log each step. */
  bar?: boolean;
}

/** The bar line for `done` of `total`, at most `width` characters (pure). */
export function barLine(label: string, done: number, total: number, width: number, item?: string): string {
  const cells = 20;
  const filled = total === 0 ? cells : Math.round((done / total) * cells);
  const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(cells - filled)}] ${done}/${total}${item ? ` ${item}` : ''}`;
  return line.length > width ? line.slice(0, Math.max(0, width - 1)) + '…' : line;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const bar = (opts.bar ?? true) && stream.isTTY === true;
  let count = 0;
  let ended = false;
  if (bar) stream.write(`\r${barLine(opts.label, 0, opts.total, stream.columns ?? 80)}`);
  return {
    tick(item) {
      count++;
      if (bar) stream.write(`\r\x1b[2K${barLine(opts.label, count, opts.total, stream.columns ?? 80, item)}`);
      else
        opts.log.info(`${opts.label}: ${count}/${opts.total}${item ? ` (${item})` : ''}`, {
          done: count,
          total: opts.total,
        });
    },
    done() {
      if (ended) return;
      ended = true;
      if (bar) stream.write('\n');
    },
  };
}
