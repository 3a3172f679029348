import { createClerkClient } from '@clerk/backend';
import { isClerkAPIResponseError } from '@clerk/backend/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totpCode } from '../crypto/totp.js';
import { startTestServer, testDialects, type TestServer } from '../test/harness.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

async function apiError(p: Promise<unknown>): Promise<{ status: number; code: string | undefined }> {
  try {
    await p;
  } catch (e) {
    if (isClerkAPIResponseError(e)) return { status: e.status, code: e.errors[0]?.code };
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe.each(testDialects())('users: second factors, wallets, linked accounts through @clerk/backend on %s', (dialect) => {
  let t: TestServer;
  let clerk: ReturnType<typeof createClerkClient>;
  beforeAll(async () => {
    t = await startTestServer(dialect);
    clerk = createClerkClient({ apiUrl: t.apiUrl, secretKey: t.secretKey, telemetry: { disabled: true } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('verifies TOTP and single-use backup codes, then removes them', async () => {
    const user = await clerk.users.createUser({ emailAddress: ['mfa@example.com'], totpSecret: SECRET, backupCodes: ['alpha-1234', 'bravo-5678'] } as never);
    expect(user.totpEnabled).toBe(true);
    expect(user.backupCodeEnabled).toBe(true);
    expect(user.twoFactorEnabled).toBe(true);
    // Backup codes are stored as bcrypt digests, never as given.
    const row = await t.server.services.storage.db.selectFrom('users').select('backup_codes').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row.backup_codes)).not.toContain('alpha-1234');

    const code = totpCode(base32Decode(SECRET) as Buffer, Math.floor(Date.now() / 30_000));
    expect(await clerk.users.verifyTOTP({ userId: user.id, code })).toEqual({ verified: true, code_type: 'totp' });
    expect(await apiError(clerk.users.verifyTOTP({ userId: user.id, code: '000000' === code ? '111111' : '000000' }))).toEqual({ status: 422, code: 'form_code_incorrect' });
    expect(await clerk.users.verifyTOTP({ userId: user.id, code: 'alpha-1234' })).toEqual({ verified: true, code_type: 'backup_code' });
    expect(await apiError(clerk.users.verifyTOTP({ userId: user.id, code: 'alpha-1234' }))).toEqual({ status: 422, code: 'form_code_incorrect' });

    expect(await clerk.users.deleteUserTOTP(user.id)).toMatchObject({ user_id: user.id });
    expect((await clerk.users.getUser(user.id)).totpEnabled).toBe(false);
    expect(await clerk.users.verifyTOTP({ userId: user.id, code: 'bravo-5678' })).toEqual({ verified: true, code_type: 'backup_code' });
    await clerk.users.updateUser(user.id, { backupCodes: ['charlie-9999'] } as never);
    expect(await clerk.users.deleteUserBackupCodes(user.id)).toMatchObject({ user_id: user.id });
    const after = await clerk.users.getUser(user.id);
    expect(after.backupCodeEnabled).toBe(false);
    expect(await apiError(clerk.users.verifyTOTP({ userId: user.id, code: '123456' }))).toEqual({ status: 400, code: 'totp_not_enabled' });

    await clerk.users.updateUser(user.id, { totpSecret: SECRET } as never);
    expect(await clerk.users.disableUserMFA(user.id)).toMatchObject({ user_id: user.id });
    expect((await clerk.users.getUser(user.id)).twoFactorEnabled).toBe(false);
    expect(await apiError(clerk.users.disableUserMFA('user_missing'))).toEqual({ status: 404, code: 'resource_not_found' });
  });

  it('deletes a web3 wallet; passkeys and external accounts answer 404; OAuth tokens are an empty list', async () => {
    const user = await clerk.users.createUser({ web3Wallet: ['0x52908400098527886E0F7030069857D2E4169EE7'] } as never);
    const wallet = user.web3Wallets[0];
    expect(wallet?.web3Wallet).toBe('0x52908400098527886E0F7030069857D2E4169EE7');
    const deleted = await clerk.users.deleteUserWeb3Wallet({ userId: user.id, web3WalletIdentificationId: wallet?.id as string });
    expect(deleted).toMatchObject({ id: wallet?.id, deleted: true });
    expect((await clerk.users.getUser(user.id)).web3Wallets).toEqual([]);
    expect(await apiError(clerk.users.deleteUserWeb3Wallet({ userId: user.id, web3WalletIdentificationId: wallet?.id as string }))).toEqual({ status: 404, code: 'resource_not_found' });
    expect(await apiError(clerk.users.deleteUserPasskey({ userId: user.id, passkeyIdentificationId: 'idn_nope' }))).toEqual({ status: 404, code: 'resource_not_found' });
    expect(await apiError(clerk.users.deleteUserExternalAccount({ userId: user.id, externalAccountId: 'eac_nope' }))).toEqual({ status: 404, code: 'resource_not_found' });
    const tokens = await clerk.users.getUserOauthAccessToken(user.id, 'google');
    expect(tokens).toMatchObject({ data: [], totalCount: 0 });
    expect(await apiError(clerk.users.getUserOauthAccessToken('user_missing', 'google'))).toEqual({ status: 404, code: 'resource_not_found' });
  });

  it('marks a password compromised and clears the mark', async () => {
    const user = await clerk.users.createUser({ emailAddress: ['pw@example.com'], password: 'a long passphrase here' });
    const marked = await clerk.users.setPasswordCompromised(user.id, { revokeAllSessions: false } as never);
    expect(marked.id).toBe(user.id);
    const db = t.server.services.storage.db;
    const mark = async () => (await db.selectFrom('users').select('password_compromised_at').where('id', '=', user.id).executeTakeFirstOrThrow()).password_compromised_at;
    expect(await mark()).not.toBeNull();
    await clerk.users.unsetPasswordCompromised(user.id);
    expect(await mark()).toBeNull();
    await clerk.users.setPasswordCompromised(user.id, { revokeAllSessions: false } as never);
    await clerk.users.updateUser(user.id, { password: 'another long passphrase' });
    expect(await mark()).toBeNull();
  });
});
