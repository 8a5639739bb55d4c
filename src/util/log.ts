/**
 * Logger: readable lines on a terminal, JSON lines with `--log-format json` (for the cluster).
 * Every message and field passes through redact() before it is written.
 */
import { redactText } from './redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  write?: (line: string) => void;
  now?: () => Date;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = ORDER[opts.level ?? 'info'];
  const format = opts.format ?? 'text';
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? (() => new Date());
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < level) return;
    const safeMsg = redactText(msg);
    const safeFields = fields
      ? (JSON.parse(redactText(JSON.stringify(fields))) as Record<string, unknown>)
      : undefined;
    if (format === 'json') {
      write(JSON.stringify({ time: now().toISOString(), level: lvl, msg: safeMsg, ...safeFields }));
    } else {
      const extra = safeFields
        ? ' ' +
          Object.entries(safeFields)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ')
        : '';
      write(`${lvl === 'info' ? '' : lvl + ': '}${safeMsg}${extra}`);
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** A logger that keeps lines in memory (tests). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({
    level: 'debug',
    write: (l) => lines.push(l),
    format: 'json',
    now: () => new Date(0),
  });
  return Object.assign(log, { lines });
}
