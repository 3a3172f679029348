/**
 * The resources the Backend API returns, with camelCase fields as the official Node SDK names them
 * (`user.imageUrl`, `user.privateMetadata`, `session.lastActiveAt`, …). Each is the wire type of
 * `@latch/core` with its keys camelCased, so the SDK and the server cannot drift apart. Metadata and
 * claims keep the application's own keys.
 */
import type {
  AllowlistIdentifierJSON,
  BackendClientJSON,
  BackendSessionJSON,
  BlocklistIdentifierJSON,
  DeletedObjectJSON,
  EmailAddressJSON,
  EmailJSON,
  InstanceRestrictionsJSON,
  InvitationJSON,
  JwksJSON,
  JwtTemplateJSON,
  OrganizationDomainJSON,
  OrganizationInvitationJSON,
  OrganizationJSON,
  OrganizationMembershipJSON,
  PermissionJSON,
  PhoneNumberJSON,
  RoleJSON,
  SessionActivityJSON,
  SignInTokenJSON,
  SmsMessageJSON,
  TemplateJSON,
  UserJSON,
  Web3WalletJSON,
} from '@latch/core';
import type { Camelized } from './case.js';

export type User = Camelized<UserJSON>;
export type EmailAddress = Camelized<EmailAddressJSON>;
export type PhoneNumber = Camelized<PhoneNumberJSON>;
export type Web3Wallet = Camelized<Web3WalletJSON>;
export type Session = Camelized<BackendSessionJSON>;
export type SessionActivity = Camelized<SessionActivityJSON>;
export type Client = Camelized<BackendClientJSON>;
export type Invitation = Camelized<InvitationJSON>;
export type AllowlistIdentifier = Camelized<AllowlistIdentifierJSON>;
export type BlocklistIdentifier = Camelized<BlocklistIdentifierJSON>;
export type InstanceRestrictions = Camelized<InstanceRestrictionsJSON>;
export type Organization = Camelized<OrganizationJSON>;
export type OrganizationMembership = Camelized<OrganizationMembershipJSON>;
export type OrganizationInvitation = Camelized<OrganizationInvitationJSON>;
export type OrganizationDomain = Camelized<OrganizationDomainJSON>;
export type OrganizationRole = Camelized<RoleJSON>;
export type OrganizationPermission = Camelized<PermissionJSON>;
export type SignInToken = Camelized<SignInTokenJSON>;
export type JwtTemplate = Camelized<JwtTemplateJSON>;
export type Email = Camelized<EmailJSON>;
export type SMSMessage = Camelized<SmsMessageJSON>;
export type Template = Camelized<TemplateJSON>;
export type DeletedObject = Camelized<DeletedObjectJSON>;
/** The JWKS is returned as the server sends it (JWK member names are not ours to rename). */
export type Jwks = JwksJSON;

/** A session token (`sessions.getToken`). */
export interface Token {
  object: 'token';
  jwt: string;
}

/** `handshake_payload`: the Set-Cookie directives a handshake nonce stands for. */
export interface HandshakePayload {
  directives: string[];
}

/** The conveniences the official SDK's User class has, computed from the resource. */
export interface UserHelpers {
  /** The primary e-mail address, or null. */
  readonly primaryEmailAddress: EmailAddress | null;
  readonly primaryPhoneNumber: PhoneNumber | null;
  readonly primaryWeb3Wallet: Web3Wallet | null;
  /** `firstName lastName`, or null when both are empty. */
  readonly fullName: string | null;
}

export type UserResource = User & UserHelpers;

/** Adds the computed getters of the official User class to a user resource. */
export function withUserHelpers(user: User): UserResource {
  return Object.defineProperties(user, {
    primaryEmailAddress: { get: () => user.emailAddresses.find((e) => e.id === user.primaryEmailAddressId) ?? null, enumerable: false },
    primaryPhoneNumber: { get: () => user.phoneNumbers.find((p) => p.id === user.primaryPhoneNumberId) ?? null, enumerable: false },
    primaryWeb3Wallet: { get: () => user.web3Wallets.find((w) => w.id === user.primaryWeb3WalletId) ?? null, enumerable: false },
    fullName: { get: () => [user.firstName, user.lastName].filter((s) => s).join(' ') || null, enumerable: false },
  }) as UserResource;
}
