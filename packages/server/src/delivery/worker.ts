/**
 * The delivery worker: claims due messages from the queue, hands them to a transport and records the
 * outcome, retrying transient failures with exponential back-off.
 *
 * Claims are leases: a claimed message is 'sending' until `lease_until`, and a message whose lease ran out
 * (its worker crashed or hung) is claimed again. Every write after the claim is conditional on the claim
 * still being ours, so a worker that lost its lease cannot overwrite what another worker recorded. Several
 * workers (server processes) can share one PostgreSQL database: claims skip rows another worker has locked.
 */
import type { Logger } from 'pino';
import type { Db, DialectName } from '../storage/database.js';
import { type Message, type MessageOutcome, claimDue, settleClaimed, settleUnlessFinal } from './repository.js';
import { PermanentDeliveryError, type EmailTransport, type SendResult, type SmsTransport } from './transports.js';
import { htmlToText } from './text.js';

/** Options of `createDeliveryWorker`. */
export interface DeliveryWorkerOptions {
  db: Db;
  dialect: DialectName;
  logger: Logger;
  /** null: e-mails go to the dev outbox (the log) instead of being sent. */
  email: EmailTransport | null;
  /** null: SMS go to the dev outbox (the log) instead of being sent. */
  sms: SmsTransport | null;
  /** Clock, ms since the epoch; tests inject one. */
  now?: () => number;
  /** Pause between polls when the queue is idle, ms. Default 1000. */
  pollIntervalMs?: number;
  /** How long a claim lasts before another worker may retake the message, ms. Default 60000. */
  leaseMs?: number;
  /** Attempts before a message is marked failed. Default 12. */
  maxAttempts?: number;
  /** Delay before retry number `attempt + 1`, given the attempts made so far, ms. Default `defaultBackoff`. */
  backoff?: (attempt: number) => number;
  /** Messages claimed (and sent concurrently) at a time. Default 10. */
  batchSize?: number;
}

/** A running (or startable) delivery worker. */
export interface DeliveryWorker {
  /** Starts polling; idempotent. */
  start(): void;
  /** Stops polling and resolves once the pass in progress (if any) has finished. */
  stop(): Promise<void>;
  /** Wake now (called after an enqueue, once its transaction has committed). */
  notify(): void;
  /** Claim and process every due message once; resolves with how many were processed. */
  runOnce(): Promise<number>;
}

const BACKOFF_BASE_MS = 2_000;
const BACKOFF_CAP_MS = 10 * 60_000;
/** Longest last_error kept; SMTP replies can quote whole messages. */
const MAX_ERROR_LENGTH = 1_000;
/** What the dev outbox prints of a message's text. */
const OUTBOX_TEXT_LENGTH = 500;

/**
 * Exponential back-off: 2 s after the first attempt, doubling, capped at 10 minutes, with ±20% jitter so
 * messages that failed together (a provider outage) do not all retry in the same instant.
 */
export function defaultBackoff(attempt: number): number {
  const base = Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1), BACKOFF_CAP_MS);
  const jittered = base * (0.8 + Math.random() * 0.4);
  return Math.round(Math.min(jittered, BACKOFF_CAP_MS));
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Creates a delivery worker. Nothing runs until `start()` (or `runOnce()`). */
export function createDeliveryWorker(opts: DeliveryWorkerOptions): DeliveryWorker {
  const { db, dialect, logger } = opts;
  const now = opts.now ?? Date.now;
  const pollIntervalMs = opts.pollIntervalMs ?? 1_000;
  const leaseMs = opts.leaseMs ?? 60_000;
  const maxAttempts = opts.maxAttempts ?? 12;
  const backoff = opts.backoff ?? defaultBackoff;
  const batchSize = Math.max(1, opts.batchSize ?? 10);

  let started = false;
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<number> | null = null;
  /** True while the polling loop's own pass runs (as opposed to a caller's runOnce). */
  let ticking = false;
  let wakeRequested = false;

  /** Claims the next batch of due messages under a fresh lease (see `claimDue`). */
  async function claim(): Promise<Message[]> {
    const t = now();
    return claimDue(db, dialect, { now: t, leaseUntil: t + leaseMs, batchSize });
  }

  /** Records an outcome while the claim is still ours; false when another worker has the message now. */
  async function settle(msg: Message, changes: MessageOutcome): Promise<boolean> {
    return settleClaimed(db, msg, changes, now());
  }

  /**
   * Records a delivery. The provider has the message now, so this must not be lost to a passing database
   * error (a lost write means a resend once the lease expires): it is retried briefly. If our lease expired
   * during the send, the delivery is still recorded over a pending retry ('queued') or a competing claim
   * ('sending'), since either would send the message again; a final outcome another worker wrote stands.
   */
  async function markDelivered(msg: Message, result: SendResult): Promise<void> {
    const changes = {
      status: 'delivered' as const,
      delivered_at: now(),
      provider_message_id: result.providerMessageId,
      last_error: null,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        if (await settle(msg, changes)) return;
        const recorded = await settleUnlessFinal(db, msg.id, changes, now());
        logger.warn(
          { messageId: msg.id, kind: msg.kind, recorded },
          'delivery: lease expired while sending; another worker may have sent this message too',
        );
        return;
      } catch (err) {
        if (attempt >= 3) {
          logger.error({ err, messageId: msg.id }, 'delivery: message sent but could not be marked delivered; it may be sent again');
          return;
        }
        await sleep(200 * attempt);
      }
    }
  }

  async function fail(msg: Message, reason: string): Promise<void> {
    const ours = await settle(msg, { status: 'failed', last_error: reason });
    if (ours) logger.warn({ messageId: msg.id, kind: msg.kind, to: msg.to_address, attempts: msg.attempts, error: reason }, 'delivery failed for good');
  }

  async function retryLater(msg: Message, reason: string): Promise<void> {
    if (msg.attempts >= maxAttempts) {
      await fail(msg, `gave up after ${msg.attempts} attempts: ${reason}`);
      return;
    }
    const delay = Math.max(0, backoff(msg.attempts));
    const nextAttemptAt = now() + delay;
    const ours = await settle(msg, { status: 'queued', next_attempt_at: nextAttemptAt, last_error: reason });
    if (ours) {
      logger.warn({ messageId: msg.id, kind: msg.kind, attempts: msg.attempts, retryInMs: delay, error: reason }, 'delivery: will retry');
    }
  }

  /** The dev outbox: no transport for this kind, so the log is the delivery. */
  async function toOutbox(msg: Message): Promise<void> {
    const text = msg.kind === 'email' ? (msg.body_plain ?? htmlToText(msg.body)) : msg.body;
    if (await settle(msg, { status: 'outbox' })) {
      logger.info(
        { messageId: msg.id, kind: msg.kind, to: msg.to_address, subject: msg.subject, slug: msg.slug, text: text.slice(0, OUTBOX_TEXT_LENGTH) },
        `dev outbox: ${msg.kind} to ${msg.to_address}${msg.subject ? ` "${msg.subject}"` : ''} (no ${msg.kind === 'email' ? 'SMTP' : 'SMS'} transport configured; not sent)`,
      );
    }
  }

  /** Delivers one claimed message and records the outcome; never throws. */
  async function processOne(msg: Message): Promise<void> {
    try {
      // A message claimed more often than allowed has crashed or hung its workers every time: stop there.
      if (msg.attempts > maxAttempts) {
        await fail(msg, `gave up after ${msg.attempts - 1} attempts: ${msg.last_error ?? 'lease expired'}`);
        return;
      }
      const transport = msg.kind === 'email' ? opts.email : opts.sms;
      if (!transport) {
        await toOutbox(msg);
        return;
      }
      let result: SendResult;
      try {
        result = await transport.send(msg);
      } catch (err) {
        // Unknown errors are treated as transient: a bug or a hiccup should not drop a message for good.
        if (err instanceof PermanentDeliveryError) await fail(msg, errorText(err));
        else await retryLater(msg, errorText(err));
        return;
      }
      await markDelivered(msg, result);
      logger.info({ messageId: msg.id, kind: msg.kind, providerMessageId: result.providerMessageId, attempts: msg.attempts }, 'message delivered');
    } catch (err) {
      // A database error while recording: the lease runs out and the message is retried.
      logger.error({ err, messageId: msg.id }, 'delivery: could not record the outcome');
    }
  }

  async function pass(): Promise<number> {
    let processed = 0;
    // Full batches mean more may be due; a short one means the queue is drained for now.
    while (true) {
      const batch = await claim();
      await Promise.all(batch.map(processOne));
      processed += batch.length;
      if (batch.length < batchSize || stopping) return processed;
    }
  }

  async function runOnce(): Promise<number> {
    // One pass at a time per worker: wait for the one in progress (a poll, or another caller's).
    while (inFlight) await inFlight.catch(() => 0);
    const p = pass();
    inFlight = p;
    try {
      return await p;
    } finally {
      if (inFlight === p) inFlight = null;
    }
  }

  function schedule(delayMs: number): void {
    if (!started) return;
    if (timer) clearTimeout(timer);
    // unref: a forgotten worker must not keep the process (or a test run) alive.
    timer = setTimeout(() => void tick(), delayMs).unref();
  }

  async function tick(): Promise<void> {
    timer = null;
    ticking = true;
    wakeRequested = false;
    try {
      await runOnce();
    } catch (err) {
      logger.error({ err }, 'delivery: pass failed; will retry');
    } finally {
      ticking = false;
    }
    // A notify() during the pass may concern a message the pass had already looked past.
    schedule(wakeRequested ? 0 : pollIntervalMs);
  }

  return {
    start() {
      if (started) return;
      started = true;
      stopping = false;
      schedule(0);
    },
    async stop() {
      started = false;
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      while (inFlight) await inFlight.catch(() => 0);
      stopping = false;
    },
    notify() {
      if (!started) return;
      if (ticking) wakeRequested = true;
      else schedule(0);
    },
    runOnce,
  };
}
