import type {
  BackendClientJSON,
  BackendSessionJSON,
  JwtTemplateJSON,
  SessionActivityJSON,
  SessionTokenClaimsJSON,
  SignInTokenJSON,
  AllowlistIdentifierJSON,
  EmailAddressJSON,
  PhoneNumberJSON,
  UserJSON,
  Web3WalletJSON,
  BlocklistIdentifierJSON,
  EmailJSON,
  InstanceRestrictionsJSON,
  InvitationJSON,
  SmsMessageJSON,
  TemplateJSON,
  TemplatePreviewJSON,
} from '@latch/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { AllowlistIdentifierSchema, BlocklistIdentifierSchema, InstanceRestrictionsSchema } from './access/serialize.js';
import type { InvitationSchema } from './invitations/serialize.js';
import type { JwtTemplateSchema, SessionTokenClaimsSchema } from './jwt-templates/serialize.js';
import type { ClientSchema, SessionActivitySchema, SessionSchema } from './sessions/serialize.js';
import type { SignInTokenSchema } from './sign-in-tokens/serialize.js';
import type { EmailSchema, SmsMessageSchema } from './messages/serialize.js';
import type { PreviewSchema, TemplateSchema } from './templates/serialize.js';
import type { EmailAddressSchema, PhoneNumberSchema, UserSchema, Web3WalletSchema } from './users/serialize.js';

/**
 * The OpenAPI document's schemas and the wire types in @latch/core describe the same objects: a field
 * added to one and not the other fails the type check (`tsc -p tsconfig.test.json`).
 */
describe('response schemas match the wire types', () => {
  it('users and their identifiers', () => {
    expectTypeOf<z.output<typeof UserSchema>>().toEqualTypeOf<UserJSON>();
    expectTypeOf<z.output<typeof EmailAddressSchema>>().toEqualTypeOf<EmailAddressJSON>();
    expectTypeOf<z.output<typeof PhoneNumberSchema>>().toEqualTypeOf<PhoneNumberJSON>();
    expectTypeOf<z.output<typeof Web3WalletSchema>>().toEqualTypeOf<Web3WalletJSON>();
  });

  it('sessions, clients, sign-in tokens and JWT templates (Backend API)', () => {
    expectTypeOf<z.output<typeof SessionSchema>>().toEqualTypeOf<BackendSessionJSON>();
    expectTypeOf<z.output<typeof SessionActivitySchema>>().toEqualTypeOf<SessionActivityJSON>();
    expectTypeOf<z.output<typeof ClientSchema>>().toEqualTypeOf<BackendClientJSON>();
    expectTypeOf<z.output<typeof SignInTokenSchema>>().toEqualTypeOf<SignInTokenJSON>();
    expectTypeOf<z.output<typeof JwtTemplateSchema>>().toEqualTypeOf<JwtTemplateJSON>();
    expectTypeOf<z.output<typeof SessionTokenClaimsSchema>>().toEqualTypeOf<SessionTokenClaimsJSON>();
  });

  it('invitations, messages, access lists, templates', () => {
    expectTypeOf<z.output<typeof InvitationSchema>>().toEqualTypeOf<InvitationJSON>();
    expectTypeOf<z.output<typeof EmailSchema>>().toEqualTypeOf<EmailJSON>();
    expectTypeOf<z.output<typeof SmsMessageSchema>>().toEqualTypeOf<SmsMessageJSON>();
    expectTypeOf<z.output<typeof AllowlistIdentifierSchema>>().toEqualTypeOf<AllowlistIdentifierJSON>();
    expectTypeOf<z.output<typeof BlocklistIdentifierSchema>>().toEqualTypeOf<BlocklistIdentifierJSON>();
    expectTypeOf<z.output<typeof InstanceRestrictionsSchema>>().toEqualTypeOf<InstanceRestrictionsJSON>();
    expectTypeOf<z.output<typeof TemplateSchema>>().toEqualTypeOf<TemplateJSON>();
    expectTypeOf<z.output<typeof PreviewSchema>>().toEqualTypeOf<TemplatePreviewJSON>();
  });
});
