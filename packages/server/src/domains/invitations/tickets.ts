/**
 * Invitation tickets: `<invitation id>.<HMAC-SHA256(secret, id)>`. Deriving the ticket from the id lets the
 * invitation's URL be shown again later without storing the ticket; whether it still works (pending,
 * not expired, not used) is decided by the invitation row, in a transaction.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** `label` separates kinds of ticket, so one kind can never be replayed as another. */
export function signTicket(secret: Buffer, invitationId: string, label = 'invitation'): string {
  return `${invitationId}.${createHmac('sha256', secret).update(`${label}:${invitationId}`).digest('base64url')}`;
}

/** The invitation id a ticket names, or null when the ticket was not signed by `secret`. */
export function verifyTicket(secret: Buffer, ticket: string, label = 'invitation'): string | null {
  const dot = ticket.lastIndexOf('.');
  if (dot <= 0 || ticket.length > 256) return null;
  const id = ticket.slice(0, dot);
  const given = Buffer.from(ticket.slice(dot + 1), 'base64url');
  const expected = createHmac('sha256', secret).update(`${label}:${id}`).digest();
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}
