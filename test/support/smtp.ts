/**
 * A real SMTP peer for tests: smtp-server on 127.0.0.1 and a random port, STARTTLS with a generated
 * certificate, AUTH PLAIN/LOGIN against a fixed user table (only after STARTTLS), every message parsed
 * with mailparser. Close it in t.teardown.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface ReceivedMail {
  parsed: ParsedMail;
  raw: Buffer;
  /** Whether the session was encrypted (STARTTLS or implicit) when the message was sent. */
  secure: boolean;
  user: string | undefined;
  envelopeTo: string[];
}

export interface TestSmtp {
  port: number;
  messages: ReceivedMail[];
  authAttempts: { user: string; ok: boolean }[];
  close: () => Promise<void>;
}

export interface SmtpOptions {
  key: string;
  cert: string;
  users: Record<string, string>;
  /** Fail the first n DATA commands with a 451 (transient). */
  failFirst?: number;
  /** Implicit TLS (smtps, port 465 style) instead of STARTTLS. */
  implicitTls?: boolean;
  /** No STARTTLS at all (a misconfigured or downgraded server); AUTH is then allowed in clear. */
  noStartTls?: boolean;
}

export async function startSmtp(opts: SmtpOptions): Promise<TestSmtp> {
  const messages: ReceivedMail[] = [];
  const authAttempts: { user: string; ok: boolean }[] = [];
  let failures = opts.failFirst ?? 0;
  const server = new SMTPServer({
    secure: opts.implicitTls ?? false,
    ...(opts.noStartTls ? { disabledCommands: ['STARTTLS'] } : {}),
    allowInsecureAuth: opts.noStartTls ?? false,
    // an empty user table is an open relay on a trusted network
    authOptional: Object.keys(opts.users).length === 0,
    key: opts.key,
    cert: opts.cert,
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    size: 64 * 1024 * 1024,
    onAuth(auth, _session, cb) {
      const user = auth.username ?? '';
      const ok = Object.hasOwn(opts.users, user) && opts.users[user] === auth.password;
      authAttempts.push({ user, ok });
      if (ok) return cb(null, { user });
      const err = Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 });
      return cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures > 0) {
          failures--;
          const err = Object.assign(new Error('Try again later'), { responseCode: 451 });
          return cb(err);
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            messages.push({
              parsed,
              raw,
              secure: session.secure,
              user: typeof session.user === 'string' ? session.user : undefined,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            });
            cb();
          },
          (err: Error) => cb(err),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    authAttempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then released): connections are refused. */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
