import { describe, expect, it } from 'vitest';
import { FapiBrowser } from '../../test/fapi-browser.js';
import { startTestServer } from '../../test/harness.js';

type Envelope = { response: { created_session_id: string } };

const PASSWORD = 'correct horse battery staple';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Signs a new user in from a browser sending `headers`; the session's latest activity as the Backend API shows it. */
async function activityOfSignIn(trustProxy: boolean, headers: Record<string, string>): Promise<Record<string, unknown> | null> {
  const t = await startTestServer('sqlite', trustProxy ? { LATCH_TRUST_PROXY: 'true' } : {});
  try {
    await t.api('/users', { method: 'POST', json: { email_address: ['traveller@example.com'], password: PASSWORD } });
    const b = new FapiBrowser(t.url);
    Object.assign(b.headers, { 'user-agent': CHROME, ...headers });
    const done = await b.post<Envelope>('/client/sign_ins', { identifier: 'traveller@example.com', strategy: 'password', password: PASSWORD });
    expect(done.status).toBe(200);
    const session = (await (await t.api(`/sessions/${done.body.response.created_session_id}`)).json()) as { latest_activity: Record<string, unknown> | null };
    return session.latest_activity;
  } finally {
    await t.close();
  }
}

describe("a session's latest activity", () => {
  it('records browser, device, address, and the city and country a trusted proxy names', async () => {
    const a = await activityOfSignIn(true, { 'x-forwarded-for': '203.0.113.7, 10.0.0.1', 'cf-ipcity': 'Z%C3%BCrich', 'cf-ipcountry': 'ch' });
    expect(a).toMatchObject({ object: 'session_activity', browser_name: 'Chrome', is_mobile: false, ip_address: '203.0.113.7', city: 'Zürich', country: 'CH' });
  });

  it("takes Latch's own headers first, and drops markup and the CDNs' unknown-country codes", async () => {
    const a = await activityOfSignIn(true, { 'x-latch-city': '<b>Lyon</b>', 'cloudfront-viewer-city': 'Paris', 'x-latch-country': 'XX' });
    expect(a).toMatchObject({ city: 'bLyon/b', country: null });
  });

  it('ignores what the request claims about itself when no proxy is trusted', async () => {
    const a = await activityOfSignIn(false, { 'x-forwarded-for': '203.0.113.7', 'cf-ipcity': 'Berlin', 'cf-ipcountry': 'DE' });
    expect(a).toMatchObject({ ip_address: '127.0.0.1', city: null, country: null });
  });
});
