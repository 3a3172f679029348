/**
 * Who may sign up: the allowlist, the blocklist and the instance restrictions, and the one rule that
 * applies them. Every path that creates a user (the BAPI now, the Frontend API's sign-up later) calls
 * `assertSignUpAllowed`.
 */
import { newId } from '@latch/core';
import { ApiError, notFound } from '../../errors.js';
import { uniqueOr, transaction, type Db } from '../../storage/database.js';
import type { AccessIdentifierType } from '../../storage/schema.js';
import { normalizeEmail, normalizePhone, normalizeWeb3Wallet } from '../identifiers/normalize.js';
import type { InstanceService } from '../instance/service.js';
import type { MessagingService } from '../messages/service.js';
import { DISPOSABLE_EMAIL_DOMAINS } from './disposable-domains.js';
import {
  type AccessList,
  type AllowlistRow,
  type BlocklistRow,
  countEntries,
  deleteEntry,
  insertAllowlistEntry,
  insertBlocklistEntry,
  listEntries,
  listHasAny,
} from './repository.js';

export type { AllowlistRow, BlocklistRow };

export interface ParsedIdentifier {
  type: AccessIdentifierType;
  /** Lower-cased e-mail, E.164 phone, lower-cased wallet, `@domain` for `*@domain`, `.domain` for `*.domain`. */
  normalized: string;
  display: string;
}

const DOMAIN = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Parses an allowlist/blocklist identifier: e-mail, `*@domain` wildcard, E.164 phone or web3 wallet. */
export function parseAccessIdentifier(raw: string): ParsedIdentifier | null {
  const v = raw.trim();
  const wildcard = /^\*([@.])(.+)$/.exec(v);
  if (wildcard) {
    const domain = (wildcard[2] as string).toLowerCase();
    if (!DOMAIN.test(domain)) return null;
    // `*@example.com`: addresses at example.com; `*.example.com`: at example.com or any subdomain of it.
    return { type: 'domain', normalized: `${wildcard[1]}${domain}`, display: `*${wildcard[1]}${domain}` };
  }
  const email = normalizeEmail(v);
  if (email) return { type: 'email_address', normalized: email, display: v };
  const phone = normalizePhone(v);
  if (phone) return { type: 'phone_number', normalized: phone, display: phone };
  const wallet = normalizeWeb3Wallet(v);
  if (wallet) return { type: 'web3_wallet', normalized: wallet, display: v };
  return null;
}

/** Every list entry that would match an e-mail address: itself, its domain, and each parent domain. */
function emailKeys(email: string): string[] {
  const domain = email.slice(email.lastIndexOf('@') + 1);
  const keys = [email, `@${domain}`];
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1; i++) keys.push(`.${labels.slice(i).join('.')}`);
  return keys;
}

export interface SignUpIdentifiers {
  emails?: string[];
  phones?: string[];
  wallets?: string[];
}

function refused(paramName: string, longMessage: string): ApiError {
  return new ApiError({ code: 'not_allowed_access', message: 'Access not allowed.', longMessage, paramName });
}

export interface AccessDeps {
  db: Db;
  instance: InstanceService;
  messaging: MessagingService;
  /** URL a notified identifier is sent to, to sign up. */
  signUpUrl: string;
  now?: () => number;
}

export function createAccessService({ db, instance, messaging, signUpUrl, now = Date.now }: AccessDeps) {
  function parseOrThrow(identifier: string): ParsedIdentifier {
    const p = parseAccessIdentifier(identifier);
    if (!p) {
      throw new ApiError({
        code: 'form_param_format_invalid',
        longMessage: 'identifier must be an e-mail address, a *@domain wildcard, a phone number in E.164 format or a web3 wallet address.',
        paramName: 'identifier',
      });
    }
    return p;
  }

  function matches(list: AccessList, keys: string[]): Promise<boolean> {
    return listHasAny(db, list, keys);
  }

  function keysOf(ids: SignUpIdentifiers): { param: string; keys: string[] }[] {
    const out: { param: string; keys: string[] }[] = [];
    for (const e of ids.emails ?? []) {
      const n = normalizeEmail(e);
      if (n) out.push({ param: 'email_address', keys: emailKeys(n) });
    }
    for (const p of ids.phones ?? []) {
      const n = normalizePhone(p);
      if (n) out.push({ param: 'phone_number', keys: [n] });
    }
    for (const w of ids.wallets ?? []) {
      const n = normalizeWeb3Wallet(w);
      if (n) out.push({ param: 'web3_wallet', keys: [n] });
    }
    return out;
  }

  function listApi<R>(which: AccessList) {
    return {
      async list(page: { limit: number; offset: number }): Promise<R[]> {
        return listEntries<R>(db, which, page);
      },
      async count(): Promise<number> {
        return countEntries(db, which);
      },
      async remove(id: string): Promise<void> {
        if (!(await deleteEntry(db, which, id))) throw notFound(which === 'allowlist_identifiers' ? 'Allowlist identifier' : 'Blocklist identifier');
      },
    };
  }

  function duplicate(): ApiError {
    return new ApiError({ code: 'duplicate_record', message: 'duplicate record', longMessage: 'That identifier is already on the list.', paramName: 'identifier' });
  }

  return {
    allowlist: {
      ...listApi<AllowlistRow>('allowlist_identifiers'),
      async create(input: { identifier: string; notify: boolean }): Promise<AllowlistRow> {
        const p = parseOrThrow(input.identifier);
        if (input.notify && (p.type === 'domain' || p.type === 'web3_wallet')) {
          throw new ApiError({
            code: 'form_param_value_invalid',
            longMessage: 'notify is only available for e-mail addresses and phone numbers, not for wildcards or wallets.',
            paramName: 'notify',
          });
        }
        const t = now();
        const row: AllowlistRow = { id: newId('alid', t), identifier: p.display, identifier_type: p.type, normalized: p.normalized, invitation_id: null, created_at: t, updated_at: t };
        await transaction(db, async (trx) => {
          await insertAllowlistEntry(trx, row);
          if (input.notify) {
            await messaging.enqueueTemplated(trx, {
              type: p.type === 'phone_number' ? 'sms' : 'email',
              slug: 'allowlist_notification',
              to: p.normalized,
              data: { action_url: signUpUrl, identifier: p.display },
            });
          }
        }, () => duplicate());
        if (input.notify) messaging.wake();
        return row;
      },
    },

    blocklist: {
      ...listApi<BlocklistRow>('blocklist_identifiers'),
      async create(input: { identifier: string }): Promise<BlocklistRow> {
        const p = parseOrThrow(input.identifier);
        const t = now();
        const row: BlocklistRow = { id: newId('blid', t), identifier: p.display, identifier_type: p.type, normalized: p.normalized, created_at: t, updated_at: t };
        await uniqueOr(insertBlocklistEntry(db, row), () => duplicate());
        return row;
      },
    },

    /**
     * Throws not_allowed_access when the instance's restrictions refuse a sign-up with these identifiers.
     * An invitation is an explicit admission: it satisfies the allowlist (but not the blocklist).
     */
    async assertSignUpAllowed(ids: SignUpIdentifiers, opts: { invited?: boolean } = {}): Promise<void> {
      const { restrictions } = await instance.settings();
      const entries = keysOf(ids);
      if (restrictions.block_email_subaddresses) {
        for (const e of ids.emails ?? []) {
          const local = e.slice(0, e.lastIndexOf('@'));
          if (/[+=#]/.test(local)) throw refused('email_address', 'E-mail subaddresses (such as name+tag@…) are not allowed.');
        }
      }
      if (restrictions.block_disposable_email_domains) {
        for (const e of ids.emails ?? []) {
          const domain = e.slice(e.lastIndexOf('@') + 1).toLowerCase();
          if (DISPOSABLE_EMAIL_DOMAINS.has(domain)) throw refused('email_address', 'Disposable e-mail addresses are not allowed.');
        }
      }
      if (restrictions.blocklist) {
        for (const { param, keys } of entries) {
          if (await matches('blocklist_identifiers', keys)) throw refused(param, 'This identifier is not allowed to sign up.');
        }
      }
      if (restrictions.allowlist && !opts.invited) {
        let allowed = false;
        for (const { keys } of entries) {
          if (await matches('allowlist_identifiers', keys)) {
            allowed = true;
            break;
          }
        }
        if (!allowed) {
          const param = entries[0]?.param ?? 'email_address';
          throw refused(param, 'Sign-ups are restricted to allowlisted identifiers.');
        }
      }
    },
  };
}

export type AccessService = ReturnType<typeof createAccessService>;
