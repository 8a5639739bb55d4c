/**
 * Email delivery over SMTP (nodemailer, imported lazily): an HTML + text summary of the report, the
 * PDF attached when present and small enough, else a note and a link to where the report lives.
 * The SMTP password never reaches a receipt, a log line or an error: targets are shown without user
 * info (`smtp://mail.example.com:587`) and every error message is scrubbed of the password.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { Artifact, ReportModel, Receipt } from '../model/types.ts';
import { redactUrl } from '../util/redact.ts';
import type { EmailConfig } from './config.ts';
import type { DeliverContext, ReportLocation } from './context.ts';
import { RetryExhausted, isTransientError, withRetry } from './retry.ts';
import { scrubError } from './scrub.ts';
import { buildEmailView } from './summary.ts';
import { renderEmail, renderLine } from './templates.ts';

export interface SmtpEndpoint {
  host: string;
  port: number;
  implicitTls: boolean;
  user?: string;
  urlPassword?: string;
  /** Display form, without credentials. */
  target: string;
}

export function parseSmtpUrl(smtpUrl: string): SmtpEndpoint {
  const u = new URL(smtpUrl);
  const implicitTls = u.protocol === 'smtps:';
  const port = u.port ? Number(u.port) : implicitTls ? 465 : 587;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    implicitTls,
    ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { urlPassword: decodeURIComponent(u.password) } : {}),
    target: `${u.protocol}//${u.port ? u.host : `${u.host}:${port}`}`,
  };
}

/** Reads a small config-referenced file; the error names the field and the path, never the content. */
async function readSmall(file: string, fieldPath: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = field(err, 'code');
    throw new Error(`cannot read ${fieldPath} ${file}: ${typeof code === 'string' ? code : 'unreadable'}`, {
      cause: err,
    });
  }
}

/** Password precedence: passwordFile, then KUBEPROOF_SMTP_PASSWORD, then the URL. */
async function resolvePassword(
  cfg: EmailConfig,
  ep: SmtpEndpoint,
  env: DeliverContext['env'],
): Promise<string | undefined> {
  if (cfg.passwordFile !== undefined) {
    return (await readSmall(cfg.passwordFile, 'deliver.email.passwordFile')).replace(/\r?\n$/, '');
  }
  const fromEnv = env['KUBEPROOF_SMTP_PASSWORD'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return ep.urlPassword;
}

function field(err: unknown, key: string): unknown {
  return err && typeof err === 'object' ? (err as Record<string, unknown>)[key] : undefined;
}

/** One readable sentence per failure class, with the scrubbed server/system message. */
function describe(err: unknown, secrets: string[], cfgPath: string): string {
  const msg = scrubError(err, secrets);
  const code = field(err, 'code');
  const original = field(err, 'originalCode');
  if (code === 'EAUTH') {
    return `authentication failed: ${msg}; check the user in ${cfgPath}.smtpUrl and the password (${cfgPath}.passwordFile or KUBEPROOF_SMTP_PASSWORD)`;
  }
  if (original === 'ECONNREFUSED' || field(err, 'code') === 'ECONNREFUSED')
    return `connection refused: ${msg}`;
  if (/certificate|self[- ]signed|unable to verify/i.test(msg)) {
    return `TLS certificate not trusted: ${msg}; give the server's CA in ${cfgPath}.tls.caFile`;
  }
  if (/STARTTLS/i.test(msg) && code === 'ETLS') {
    return `the server does not offer STARTTLS: ${msg}; ${cfgPath}.tls.mode is starttls-required`;
  }
  return msg;
}

/** Sends the summary email. Never throws: failures become an ok:false receipt. */
export async function deliverEmail(
  artifacts: readonly Artifact[],
  model: ReportModel,
  cfg: EmailConfig,
  ctx: DeliverContext,
  location?: ReportLocation,
): Promise<Receipt> {
  const smtpUrl = cfg.smtpUrl ?? '';
  let target = redactUrl(smtpUrl);
  const secrets: string[] = [];
  try {
    const ep = parseSmtpUrl(smtpUrl);
    target = ep.target;
    if (ep.urlPassword) secrets.push(ep.urlPassword);
    const password = await resolvePassword(cfg, ep, ctx.env);
    if (password) secrets.push(password);
    if (password && ep.user === undefined) {
      ctx.logger.warn('an SMTP password is set but the SMTP URL names no user; sending without AUTH', {
        target,
      });
    }
    const mode = cfg.tls.mode ?? (ep.implicitTls ? 'implicit' : 'starttls-required');
    if (!cfg.tls.rejectUnauthorized) {
      ctx.logger.warn(
        'SMTP TLS certificate verification is disabled (deliver.email.tls.rejectUnauthorized)',
        {
          target,
        },
      );
    }
    const ca =
      cfg.tls.caFile !== undefined ? await readSmall(cfg.tls.caFile, 'deliver.email.tls.caFile') : undefined;

    const pdfArtifact = artifacts.find(
      (a) => a.mediaType === 'application/pdf' || a.filename.endsWith('.pdf'),
    );
    const pdfBytes = pdfArtifact ? Buffer.byteLength(pdfArtifact.body) : 0;
    const attach = pdfArtifact !== undefined && pdfBytes <= cfg.attachPdfMaxBytes;
    // URL-encoded: the values land in a link (key keeps its slashes)
    const vars = {
      cluster: encodeURIComponent(model.cluster.name),
      runId: encodeURIComponent(model.reportId),
      bucket: encodeURIComponent(location?.bucket ?? ''),
      key: encodeURI(location?.key ?? ''),
    };
    // a link built from the S3 location is meaningless when S3 did not deliver: leave it out
    const needsS3 = cfg.reportUrl !== undefined && /\{\{\s*(bucket|key)\s*\}\}/.test(cfg.reportUrl);
    const url =
      cfg.reportUrl !== undefined && (location !== undefined || !needsS3)
        ? renderLine(cfg.reportUrl, vars)
        : undefined;
    const view = buildEmailView(model, {
      ...(location ? { location: location.uri } : {}),
      // only web links become hrefs; anything else (a typo, a javascript: URL) is dropped
      ...(url && /^https?:\/\//i.test(url) ? { url } : {}),
      ...(pdfArtifact ? { pdf: { filename: pdfArtifact.filename, bytes: pdfBytes, attached: attach } } : {}),
      attachPdfMaxBytes: cfg.attachPdfMaxBytes,
    });
    const { html, text } = await renderEmail(view);
    const subject = renderLine(cfg.subject, {
      cluster: view.cluster,
      failCount: view.failCount,
      date: view.date,
      reportId: view.reportId,
      generatedAt: view.generatedAt,
    });

    const nodemailer = (await import('nodemailer')).default;
    const attachments =
      attach && pdfArtifact
        ? [
            {
              filename: pdfArtifact.filename,
              content: Buffer.from(pdfArtifact.body),
              contentType: 'application/pdf',
            },
          ]
        : [];
    const send = async (): Promise<{ messageId: string; rejected: string[] }> => {
      const transport = nodemailer.createTransport({
        host: ep.host,
        port: ep.port,
        secure: mode === 'implicit',
        requireTLS: mode === 'starttls-required',
        ...(ep.user !== undefined ? { auth: { user: ep.user, pass: password ?? '' } } : {}),
        tls: {
          // SNI takes host names only
          ...(isIP(ep.host) === 0 ? { servername: ep.host } : {}),
          minVersion: 'TLSv1.2',
          rejectUnauthorized: cfg.tls.rejectUnauthorized,
          ...(ca !== undefined ? { ca } : {}),
        },
        connectionTimeout: cfg.timeoutMs,
        greetingTimeout: cfg.timeoutMs,
        socketTimeout: cfg.timeoutMs * 2,
        logger: false,
        debug: false,
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      try {
        const info = await transport.sendMail({
          from: cfg.from,
          to: cfg.to,
          ...(cfg.cc.length ? { cc: cfg.cc } : {}),
          ...(cfg.bcc.length ? { bcc: cfg.bcc } : {}),
          subject,
          text,
          html,
          attachments,
          headers: { 'X-Kubeproof-Report-Id': model.reportId },
        });
        return { messageId: String(info.messageId), rejected: info.rejected.map(String) };
      } finally {
        transport.close();
      }
    };
    const info = await withRetry(() => send(), {
      ...ctx.retry,
      sleep: ctx.sleep,
      random: ctx.random,
      isTransient: isTransientError,
      onRetry: (err, attempt, delayMs) =>
        ctx.logger.warn('email delivery failed; retrying', {
          target,
          attempt,
          delayMs,
          error: describe(err, secrets, 'deliver.email'),
        }),
    });
    const attached = attach && pdfArtifact ? [pdfArtifact.filename] : [];
    if (info.rejected.length > 0) {
      const error = `the server rejected ${info.rejected.length} recipient(s): ${info.rejected.join(', ')}`;
      ctx.logger.error('email delivery incomplete', { target, error });
      return { kind: 'email', target, ok: false, id: info.messageId, error, artifacts: attached };
    }
    ctx.logger.info('email delivered', { target, messageId: info.messageId, attached });
    return { kind: 'email', target, ok: true, id: info.messageId, artifacts: attached };
  } catch (err) {
    const cause = err instanceof RetryExhausted ? err.cause : err;
    const attempts = err instanceof RetryExhausted ? err.attempts : 1;
    const error = `${describe(cause, secrets, 'deliver.email')}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`;
    ctx.logger.error('email delivery failed', { target, error });
    return { kind: 'email', target, ok: false, error, artifacts: [] };
  }
}
