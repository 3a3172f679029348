/**
 * Transports: the one place that talks to the outside world for delivery. Each turns a stored message into
 * a provider call and reports failure as transient (the worker retries later) or permanent (the worker
 * gives up), so retry policy lives in the worker and provider quirks live here.
 */
import nodemailer, { type NodemailerError, type SendMailOptions } from 'nodemailer';
import type { Selectable } from 'kysely';
import type { Config } from '../config.js';
import type { MessageTable } from '../storage/schema.js';
import { htmlToText } from './text.js';

/** What a transport reports for an accepted message. */
export interface SendResult {
  /** The provider's id for the message (SMTP reply's queue id is not reliable, so SMTP gives its Message-ID). */
  providerMessageId: string | null;
}

/** Sends e-mail. Throws TransientDeliveryError (retry later) or PermanentDeliveryError (give up) on failure. */
export interface EmailTransport {
  send(msg: Selectable<MessageTable>): Promise<SendResult>;
  /** Releases connections; call on shutdown. */
  close?(): Promise<void>;
}

/** Sends SMS. Throws TransientDeliveryError (retry later) or PermanentDeliveryError (give up) on failure. */
export interface SmsTransport {
  send(msg: Selectable<MessageTable>): Promise<SendResult>;
}

/** A failure that may go away: the worker retries the message after a back-off. */
export class TransientDeliveryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientDeliveryError';
  }
}

/** A failure that retrying cannot fix (rejected recipient, invalid number): the worker marks the message failed. */
export class PermanentDeliveryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentDeliveryError';
  }
}

/** Timeouts shared by the transports. */
export interface TransportTimeouts {
  /**
   * Longest one send may take, ms (default 30 s). Keep it well under the worker's lease (default 60 s):
   * a send that outlives its lease can be retaken and sent a second time by another worker.
   */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Splits `Name <address>` or a bare address. */
function parseSender(from: string): { name: string | null; address: string } {
  const m = /^\s*(.*?)\s*<([^<>\s]+)>\s*$/.exec(from);
  if (m) {
    const name = (m[1] ?? '').replace(/^"(.*)"$/, '$1').trim();
    return { name: name === '' ? null : name, address: m[2] as string };
  }
  return { name: null, address: from.trim() };
}

/**
 * SMTP errors that are about our configuration rather than the message (bad credentials, TLS set-up). They
 * are retried even with a 5xx reply: every message would fail the same way, and retrying gives the operator
 * time to fix the settings instead of failing the whole backlog for good.
 */
const SMTP_CONFIGURATION_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ETLS', 'EREQUIRETLS', 'ECONFIG', 'EPROXY']);

/** Maps a nodemailer failure to transient or permanent. */
export function classifySmtpError(err: unknown): TransientDeliveryError | PermanentDeliveryError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as NodemailerError;
  const message = `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`;
  const code = e.code ?? '';
  if (SMTP_CONFIGURATION_CODES.has(code)) return new TransientDeliveryError(message, { cause: err });
  // nodemailer refused the envelope before talking to the server (malformed or missing recipient).
  if (code === 'EENVELOPE' && e.command === 'API') return new PermanentDeliveryError(message, { cause: err });
  // RFC 5321: 5yz is a permanent refusal, except 503 (bad sequence), which a fresh session can pass.
  const reply = e.responseCode;
  if (typeof reply === 'number' && reply >= 500 && reply < 600 && reply !== 503) {
    return new PermanentDeliveryError(message, { cause: err });
  }
  // Connection refused, timeouts, 4yz replies, aborted sends and anything unrecognized.
  return new TransientDeliveryError(message, { cause: err });
}

/**
 * An SMTP transport (nodemailer) for `smtp://[user:pass@]host[:port]` or `smtps://…`. Each message carries
 * Message-ID `<id@latch>`, so a message re-sent after an ambiguous failure is recognizable as the same one.
 * The text part is derived from the HTML when the message has none; `from_name` overrides the display name
 * of `from` while keeping its address. Connection failures, timeouts and 4xx replies are transient, 5xx
 * rejections permanent.
 */
export function createSmtpTransport(url: string, from: string, options: TransportTimeouts = {}): EmailTransport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const sender = parseSender(from);
  // The library defaults (2 min to connect, 10 min of socket silence) would outlive the worker's lease.
  // Options in the URL's query string still win, for operators who need other values.
  const transporter = nodemailer.createTransport({
    url,
    connectionTimeout: Math.min(10_000, timeoutMs),
    greetingTimeout: Math.min(10_000, timeoutMs),
    socketTimeout: timeoutMs,
    dnsTimeout: Math.min(10_000, timeoutMs),
  });
  return {
    async send(msg) {
      const messageId = `<${msg.id}@latch>`;
      const fromName = msg.from_name ?? sender.name;
      const address = msg.from_address ?? sender.address;
      const mail: SendMailOptions = {
        from: fromName ? { name: fromName, address } : address,
        to: msg.to_address,
        subject: msg.subject ?? '',
        html: msg.body,
        text: msg.body_plain ?? htmlToText(msg.body),
        messageId,
        // An overall bound: the per-phase timeouts above do not cap a server that answers slowly but steadily.
        signal: AbortSignal.timeout(timeoutMs),
      };
      if (msg.reply_to) mail.replyTo = msg.reply_to;
      try {
        const info = await transporter.sendMail(mail);
        return { providerMessageId: info.messageId || messageId };
      } catch (err) {
        throw classifySmtpError(err);
      }
    },
    async close() {
      transporter.close();
    },
  };
}

/** Twilio's error answer, as much of it as we read. */
interface TwilioErrorBody {
  code?: number;
  message?: string;
}

function describeTwilioFailure(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as TwilioErrorBody;
    if (parsed && typeof parsed === 'object' && (parsed.message || parsed.code)) {
      return `Twilio ${status}${parsed.code ? ` (code ${parsed.code})` : ''}: ${parsed.message ?? ''}`.trim();
    }
  } catch {
    // Not JSON (a proxy's HTML error page): fall through to the raw text.
  }
  return `Twilio ${status}: ${body.slice(0, 300)}`;
}

/**
 * An SMS transport for Twilio's Messages API (or anything answering like it, such as a local mock):
 * POST `${apiUrl}/2010-04-01/Accounts/${sid}/Messages.json` with To, From, Body as a form and HTTP Basic
 * auth; the answer's `sid` becomes the provider message id. A `from` that is a Messaging Service SID
 * (`MG…`) is sent as MessagingServiceSid, as Twilio requires. Network failures, timeouts, 429 and 5xx are
 * transient; other 4xx (invalid number, unverified sender) are permanent.
 */
export function createTwilioTransport(
  cfg: { accountSid: string; authToken: string; from: string; apiUrl: string },
  options: TransportTimeouts = {},
): SmsTransport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const endpoint = `${cfg.apiUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(cfg.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${cfg.accountSid}:${cfg.authToken}`).toString('base64')}`;
  const fromField = /^MG[0-9a-f]{32}$/i.test(cfg.from) ? 'MessagingServiceSid' : 'From';
  return {
    async send(msg) {
      const form = new URLSearchParams({ To: msg.to_address, [fromField]: cfg.from, Body: msg.body });
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: form.toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        // DNS, refused connection, reset, timeout: the request may not have arrived; try again later.
        const reason = err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err);
        throw new TransientDeliveryError(`Twilio request failed: ${reason}`, { cause: err });
      }
      // The status is what decides; a body lost on the way only costs the details.
      const text = await response.text().catch(() => '');
      if (response.ok) {
        // Twilio accepted the message: even an unreadable answer must not turn into a resend.
        try {
          const body = JSON.parse(text) as { sid?: unknown };
          return { providerMessageId: typeof body.sid === 'string' ? body.sid : null };
        } catch {
          return { providerMessageId: null };
        }
      }
      const detail = describeTwilioFailure(response.status, text);
      if (response.status === 429 || response.status >= 500) throw new TransientDeliveryError(detail);
      throw new PermanentDeliveryError(detail);
    },
  };
}

/**
 * The transports a configuration asks for; null where the setting is absent, which sends that kind of
 * message to the dev outbox (the log) instead.
 */
export function transportsFromConfig(
  config: Pick<Config, 'smtpUrl' | 'smtpFrom' | 'twilio'>,
  options: TransportTimeouts = {},
): { email: EmailTransport | null; sms: SmsTransport | null } {
  return {
    email: config.smtpUrl ? createSmtpTransport(config.smtpUrl, config.smtpFrom, options) : null,
    sms: config.twilio ? createTwilioTransport(config.twilio, options) : null,
  };
}
