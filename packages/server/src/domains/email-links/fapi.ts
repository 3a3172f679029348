/** The landing endpoint of e-mail links: `GET /v1/verify?token=…` (opened by a person, not by the SDK). */
import { z } from 'zod';
import { limitKeyOf } from '../../http/fapi/activity.js';
import { FapiResult, type FapiRouter } from '../../http/fapi/surface.js';
import type { Guard } from '../../limits/policy.js';
import { landingUrl, type EmailLinksService, type LinkStatus } from './service.js';

const MESSAGES: Record<LinkStatus, { title: string; text: string }> = {
  verified: { title: 'Verified', text: 'Your e-mail address is verified. You can close this tab and go back to the one where you started.' },
  expired: { title: 'This link has expired', text: 'Go back to where you started and ask for a new link.' },
  failed: { title: 'This link is not valid', text: 'It may have been used already. Go back to where you started and ask for a new link.' },
  client_mismatch: { title: 'Open the link in the same browser', text: 'For your security, open this link in the browser where you asked for it.' },
};

function page(status: LinkStatus): string {
  const m = MESSAGES[status];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${m.title}</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem"><h1>${m.title}</h1><p>${m.text}</p></body></html>`;
}

export function registerEmailLinkRoutes(router: FapiRouter, { emailLinks, guard }: { emailLinks: EmailLinksService; guard: Guard }): void {
  router.add(
    {
      method: 'get',
      path: '/verify',
      operationId: 'verify',
      summary: 'Open an e-mail link',
      description:
        'The address in sign-in and sign-up e-mail links. Proves the address, moves the attempt on (signing in the browser that asked for the link, which is polling for it), then redirects to the attempt\'s `redirect_url` with `__clerk_status` (`verified`, `expired`, `failed`, `client_mismatch`) and, when a session was created, `__clerk_created_session`. Without a `redirect_url` it answers a short page.',
      tags: ['Sign Ins'],
      query: z.object({ token: z.string().max(256) }).loose(),
      responses: { 200: { description: 'A page saying what happened' }, 303: { description: 'To the redirect URL, with the outcome' } },
    },
    async ({ query, principal, c }) => {
      await guard.check('attemptPerIp', limitKeyOf(c));
      const callerClientId = principal.client?.id ?? null;
      const opened = await emailLinks.open(query.token, callerClientId);
      // The browser that opened the link signed itself in: refresh its cookies as after any sign-in.
      if (opened.createdSessionId && opened.attemptClientId === callerClientId) await principal.signedIn();
      const url = landingUrl(opened);
      return url ? FapiResult.redirect(url) : FapiResult.page(page(opened.status), opened.status === 'verified' ? 200 : 400);
    },
  );
}
