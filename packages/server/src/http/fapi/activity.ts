/** What a request says about where it came from, for a session's latest activity. */
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { RequestActivity } from '../../domains/sessions/service.js';

export function activityOf(c: Context): RequestActivity {
  let ip: string | null;
  try {
    ip = getConnInfo(c).remote.address ?? null;
  } catch {
    // Not served by the Node adapter (an in-process request): no peer address.
    ip = null;
  }
  return { ipAddress: ip, userAgent: c.req.header('user-agent') ?? null };
}

/** The origin a session token is minted for (`azp`): the calling page's origin. */
export function azpOf(c: Context): string | null {
  const origin = c.req.header('origin');
  return origin && origin !== 'null' ? origin : null;
}
