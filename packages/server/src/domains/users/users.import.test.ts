import bcryptjs from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/harness.js';

// Digests produced outside Latch (sources in crypto/passwords.test.ts), imported through the API.
const IMPORTS = [
  { hasher: 'bcrypt', password: 'imported-secret-1', digest: bcryptjs.hashSync('imported-secret-1', 4) },
  {
    hasher: 'argon2id',
    password: 'argon2-pässword',
    digest: '$argon2id$v=19$m=4096,t=3,p=1$aW5kZXBlbmRlbnQtc2FsdA$MGt+sGhd3K0IhPnAoDRvzU191Gf0LADZzSi1HdNQSkY',
  },
  { hasher: 'argon2i', password: 'password', digest: '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG' },
  {
    hasher: 'pbkdf2_sha256',
    password: 'correct horse battery staple',
    digest: 'pbkdf2_sha256$20000$jxwqmz1OX2BxgpOktcbX6A==$v5+LDCQKmFGOVIPuvJGSBddCfOnOEF+WoRhg3BqrsM0=',
  },
  {
    hasher: 'scrypt_firebase',
    password: 'user1password',
    digest:
      'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$Bw==$8$14',
  },
];

describe('password import through the API', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(IMPORTS)('imports a $hasher digest, checks it, and rehashes it to argon2id', async ({ hasher, password, digest }) => {
    const res = await t.api('/users', { method: 'POST', json: { password_digest: digest, password_hasher: hasher } });
    const user = (await res.json()) as { id: string; password_enabled: boolean };
    expect(res.status, JSON.stringify(user)).toBe(200);
    expect(user.password_enabled).toBe(true);
    const stored = () => t.server.services.storage.db.selectFrom('passwords').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect((await stored()).hasher).toBe(hasher);
    const wrong = await t.api(`/users/${user.id}/verify_password`, { method: 'POST', json: { password: `${password}x` } });
    expect(wrong.status).toBe(422);
    expect((await stored()).hasher).toBe(hasher);
    const right = await t.api(`/users/${user.id}/verify_password`, { method: 'POST', json: { password } });
    expect(await right.json()).toEqual({ verified: true });
    const after = await stored();
    expect(after.hasher).toBe('argon2id');
    expect(after.digest).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const again = await t.api(`/users/${user.id}/verify_password`, { method: 'POST', json: { password } });
    expect(again.status).toBe(200);
  });

  it('refuses a digest without its hasher, and an unknown hasher', async () => {
    const a = await t.api('/users', { method: 'POST', json: { password_digest: IMPORTS[0]?.digest } });
    expect(a.status).toBe(422);
    expect(((await a.json()) as { errors: { meta: { param_name: string } }[] }).errors[0]?.meta.param_name).toBe('password_hasher');
    const b = await t.api('/users', { method: 'POST', json: { password_digest: 'x', password_hasher: 'rot13' } });
    expect(b.status).toBe(422);
    expect(((await b.json()) as { errors: { meta: { param_name: string } }[] }).errors[0]?.meta.param_name).toBe('password_hasher');
  });

  it('reports not-ready when the database is gone', async () => {
    const other = await startTestServer('sqlite');
    await other.server.services.storage.close();
    const res = await fetch(`${other.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'database unreachable' });
    expect((await fetch(`${other.url}/healthz`)).status).toBe(200);
    // The storage is already closed; closing again must not throw.
    await other.close();
  });
});
