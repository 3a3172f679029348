import type {
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
