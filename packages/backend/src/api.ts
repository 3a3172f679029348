/**
 * The Backend API's sub-APIs, with the official Node SDK's names and signatures: `users.getUser(id)`,
 * `organizations.createOrganizationDomain({ organizationId, name })`, … Parameters are camelCase and are
 * sent snake_cased; results are the camelCase resources of `resources.ts`. Also the methods the SDK's
 * older documentation lists and newer releases dropped: `emails.createEmail`,
 * `smsMessages.createSMSMessage`, `sessions.verifySession`, `clients.verifyClient`.
 */
import type { Metadata } from '@latch/core';
import { type PaginatedResourceResponse, type QueryValue, type Requester, seg } from './request.js';
import {
  type AllowlistIdentifier,
  type BlocklistIdentifier,
  type Client,
  type DeletedObject,
  type Email,
  type EmailAddress,
  type HandshakePayload,
  type InstanceRestrictions,
  type Invitation,
  type Jwks,
  type JwtTemplate,
  type Organization,
  type OrganizationDomain,
  type OrganizationInvitation,
  type OrganizationMembership,
  type OrganizationPermission,
  type OrganizationRole,
  type PhoneNumber,
  type Session,
  type SignInToken,
  type SMSMessage,
  type Token,
  type User,
  type UserResource,
  withUserHelpers,
} from './resources.js';

/** `limit` / `offset` of every list. */
export interface PaginationParams {
  limit?: number;
  offset?: number;
}

type Params = Record<string, unknown>;
type Query = Record<string, QueryValue>;

function query(params: object | undefined, drop: readonly string[] = []): Query {
  const out: Query = {};
  for (const [k, v] of Object.entries(params ?? {})) if (!drop.includes(k)) out[k] = v as QueryValue;
  return out;
}

function required(value: string | undefined, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`\`${name}\` is required.`);
  return value;
}

export interface UserListParams extends PaginationParams {
  orderBy?: string;
  emailAddress?: string[];
  phoneNumber?: string[];
  username?: string[];
  web3Wallet?: string[];
  userId?: string[];
  externalId?: string[];
  organizationId?: string[];
  query?: string;
  lastActiveAtSince?: number;
  lastActiveAtBefore?: number;
  lastActiveAtAfter?: number;
  createdAtBefore?: number;
  createdAtAfter?: number;
  lastSignInAtBefore?: number;
  lastSignInAtAfter?: number;
}
export type UserCountParams = Omit<UserListParams, 'limit' | 'offset' | 'orderBy'>;

export interface UserMetadataParams {
  publicMetadata?: Metadata;
  privateMetadata?: Metadata;
  unsafeMetadata?: Metadata;
}

export interface CreateUserParams extends UserMetadataParams {
  externalId?: string;
  emailAddress?: string[];
  phoneNumber?: string[];
  web3Wallet?: string[];
  username?: string;
  password?: string;
  firstName?: string;
  lastName?: string;
  locale?: string;
  timezone?: string;
  skipPasswordChecks?: boolean;
  skipPasswordRequirement?: boolean;
  passwordDigest?: string;
  passwordHasher?: string;
  totpSecret?: string;
  backupCodes?: string[];
  createdAt?: string;
  banned?: boolean;
  locked?: boolean;
  [other: string]: unknown;
}

export interface UpdateUserParams extends UserMetadataParams {
  externalId?: string;
  firstName?: string;
  lastName?: string;
  username?: string;
  password?: string;
  skipPasswordChecks?: boolean;
  signOutOfOtherSessions?: boolean;
  primaryEmailAddressID?: string;
  primaryPhoneNumberID?: string;
  primaryWeb3WalletID?: string;
  locale?: string;
  timezone?: string;
  [other: string]: unknown;
}

function usersApi(request: Requester) {
  const user = async (p: Promise<User>) => withUserHelpers(await p);
  const post = (userId: string, action: string) => user(request<User>({ method: 'POST', path: `/users/${seg(userId)}/${action}` }));
  return {
    /** A page of users and how many match (the total from `GET /users/count` with the same filters). */
    async getUserList(params: UserListParams = {}): Promise<PaginatedResourceResponse<UserResource>> {
      const [data, totalCount] = await Promise.all([
        request<User[]>({ method: 'GET', path: '/users', query: query(params) }),
        request<number>({ method: 'GET', path: '/users/count', query: query(params, ['limit', 'offset', 'orderBy']) }),
      ]);
      return { data: data.map(withUserHelpers), totalCount };
    },
    getUser: (userId: string) => user(request<User>({ method: 'GET', path: `/users/${seg(userId)}` })),
    getCount: (params: UserCountParams = {}) => request<number>({ method: 'GET', path: '/users/count', query: query(params) }),
    createUser: (params: CreateUserParams) => user(request<User>({ method: 'POST', path: '/users', body: params })),
    updateUser: (userId: string, params: UpdateUserParams = {}) => user(request<User>({ method: 'PATCH', path: `/users/${seg(userId)}`, body: params })),
    /** Deep-merges each given kind of metadata (a null value removes its key). */
    updateUserMetadata: (userId: string, params: UserMetadataParams) => user(request<User>({ method: 'PATCH', path: `/users/${seg(userId)}/metadata`, body: { ...params } })),
    /** Replaces each given kind of metadata. */
    replaceUserMetadata: (userId: string, params: UserMetadataParams) => user(request<User>({ method: 'PUT', path: `/users/${seg(userId)}/metadata`, body: { ...params } })),
    deleteUser: (userId: string) => request<DeletedObject>({ method: 'DELETE', path: `/users/${seg(userId)}` }),
    banUser: (userId: string) => post(userId, 'ban'),
    unbanUser: (userId: string) => post(userId, 'unban'),
    lockUser: (userId: string) => post(userId, 'lock'),
    unlockUser: (userId: string) => post(userId, 'unlock'),
    updateUserProfileImage(userId: string, params: { file: Blob }): Promise<UserResource> {
      const form = new FormData();
      form.append('file', params.file);
      return user(request<User>({ method: 'POST', path: `/users/${seg(userId)}/profile_image`, formData: form }));
    },
    deleteUserProfileImage: (userId: string) => user(request<User>({ method: 'DELETE', path: `/users/${seg(userId)}/profile_image` })),
    replaceUserEmailAddress: (userId: string, params: { emailAddress: string }) => user(request<User>({ method: 'PUT', path: `/users/${seg(userId)}/email_address`, body: { ...params } })),
    replaceUserPhoneNumber: (userId: string, params: { phoneNumber: string }) => user(request<User>({ method: 'PUT', path: `/users/${seg(userId)}/phone_number`, body: { ...params } })),
    verifyPassword: ({ userId, password }: { userId: string; password: string }) =>
      request<{ verified: boolean }>({ method: 'POST', path: `/users/${seg(userId)}/verify_password`, body: { password } }),
    verifyTOTP: ({ userId, code }: { userId: string; code: string }) =>
      request<{ verified: boolean; codeType: 'totp' | 'backup_code' }>({ method: 'POST', path: `/users/${seg(userId)}/verify_totp`, body: { code } }),
    removePassword: (userId: string, params: { signOutOfOtherSessions?: boolean } = {}) => user(request<User>({ method: 'POST', path: `/users/${seg(userId)}/remove_password`, body: { ...params } })),
    setPasswordCompromised: (userId: string, params: { revokeAllSessions?: boolean } = { revokeAllSessions: false }) =>
      user(request<User>({ method: 'POST', path: `/users/${seg(userId)}/password/set_compromised`, body: { ...params } })),
    unsetPasswordCompromised: (userId: string) => user(request<User>({ method: 'POST', path: `/users/${seg(userId)}/password/unset_compromised`, body: {} })),
    disableUserMFA: (userId: string) => request<{ userId: string }>({ method: 'DELETE', path: `/users/${seg(userId)}/mfa` }),
    deleteUserTOTP: (userId: string) => request<{ userId: string }>({ method: 'DELETE', path: `/users/${seg(userId)}/totp` }),
    deleteUserBackupCodes: (userId: string) => request<{ userId: string }>({ method: 'DELETE', path: `/users/${seg(userId)}/backup_code` }),
    deleteUserWeb3Wallet: ({ userId, web3WalletIdentificationId }: { userId: string; web3WalletIdentificationId: string }) =>
      request<DeletedObject>({ method: 'DELETE', path: `/users/${seg(userId)}/web3_wallets/${seg(web3WalletIdentificationId)}` }),
    deleteUserPasskey: ({ userId, passkeyIdentificationId }: { userId: string; passkeyIdentificationId: string }) =>
      request<DeletedObject>({ method: 'DELETE', path: `/users/${seg(userId)}/passkeys/${seg(passkeyIdentificationId)}` }),
    deleteUserExternalAccount: ({ userId, externalAccountId }: { userId: string; externalAccountId: string }) =>
      request<DeletedObject>({ method: 'DELETE', path: `/users/${seg(userId)}/external_accounts/${seg(externalAccountId)}` }),
    getUserOauthAccessToken: (userId: string, provider: string) =>
      request<PaginatedResourceResponse<Record<string, unknown>>>({
        method: 'GET',
        path: `/users/${seg(userId)}/oauth_access_tokens/${seg(provider.startsWith('oauth_') ? provider : `oauth_${provider}`)}`,
        query: { paginated: true },
      }),
    getOrganizationMembershipList: ({ userId, ...params }: { userId: string } & PaginationParams) =>
      request<PaginatedResourceResponse<OrganizationMembership>>({ method: 'GET', path: `/users/${seg(userId)}/organization_memberships`, query: query(params) }),
    getOrganizationInvitationList: ({ userId, ...params }: { userId: string; status?: string } & PaginationParams) =>
      request<PaginatedResourceResponse<OrganizationInvitation>>({ method: 'GET', path: `/users/${seg(userId)}/organization_invitations`, query: query(params) }),
  };
}

function identifierListApi<T>(request: Requester, path: string) {
  return {
    list: (params: PaginationParams = {}) => request<PaginatedResourceResponse<T>>({ method: 'GET', path, query: { ...query(params), paginated: true } }),
    create: (params: { identifier: string; notify?: boolean }) => request<T>({ method: 'POST', path, body: { ...params } }),
    delete: (id: string) => request<DeletedObject>({ method: 'DELETE', path: `${path}/${seg(id)}` }),
  };
}

function allowlistApi(request: Requester) {
  const api = identifierListApi<AllowlistIdentifier>(request, '/allowlist_identifiers');
  return {
    getAllowlistIdentifierList: api.list,
    createAllowlistIdentifier: api.create,
    deleteAllowlistIdentifier: api.delete,
  };
}

function blocklistApi(request: Requester) {
  const api = identifierListApi<BlocklistIdentifier>(request, '/blocklist_identifiers');
  return {
    getBlocklistIdentifierList: api.list,
    createBlocklistIdentifier: (params: { identifier: string }) => api.create(params),
    deleteBlocklistIdentifier: api.delete,
  };
}

export interface CreateInvitationParams {
  emailAddress: string;
  expiresInDays?: number;
  ignoreExisting?: boolean;
  notify?: boolean;
  publicMetadata?: Metadata;
  redirectUrl?: string;
  templateSlug?: string;
}

function invitationsApi(request: Requester) {
  return {
    getInvitationList: (params: PaginationParams & { status?: string; query?: string; orderBy?: string } = {}) =>
      request<PaginatedResourceResponse<Invitation>>({ method: 'GET', path: '/invitations', query: { ...query(params), paginated: true } }),
    createInvitation: (params: CreateInvitationParams) => request<Invitation>({ method: 'POST', path: '/invitations', body: { ...params } }),
    createInvitationBulk: (params: CreateInvitationParams[]) => request<Invitation[]>({ method: 'POST', path: '/invitations/bulk', body: params.map((p) => ({ ...p })) }),
    revokeInvitation: (invitationId: string) => request<Invitation>({ method: 'POST', path: `/invitations/${seg(invitationId)}/revoke` }),
    deleteInvitation: (invitationId: string) => request<DeletedObject>({ method: 'DELETE', path: `/invitations/${seg(invitationId)}` }),
  };
}

function clientsApi(request: Requester) {
  return {
    getClientList: (params: PaginationParams = {}) => request<PaginatedResourceResponse<Client>>({ method: 'GET', path: '/clients', query: { ...query(params), paginated: true } }),
    getClient: (clientId: string) => request<Client>({ method: 'GET', path: `/clients/${seg(clientId)}` }),
    /** The client a session token (or client token) belongs to, while its session is live. */
    verifyClient: (token: string) => request<Client>({ method: 'POST', path: '/clients/verify', body: { token: required(token, 'token') } }),
    /** The Set-Cookie directives a handshake nonce stands for (what `authenticateRequest` resolves). */
    getHandshakePayload: ({ nonce }: { nonce: string }) => request<HandshakePayload>({ method: 'GET', path: '/clients/handshake_payload', query: { nonce: required(nonce, 'nonce') }, raw: true }),
  };
}

function sessionsApi(request: Requester) {
  return {
    getSessionList: (params: PaginationParams & { clientId?: string; userId?: string; status?: string } = {}) =>
      request<PaginatedResourceResponse<Session>>({ method: 'GET', path: '/sessions', query: { ...query(params), paginated: true } }),
    getSession: (sessionId: string) => request<Session>({ method: 'GET', path: `/sessions/${seg(sessionId)}` }),
    createSession: (params: { userId: string }) => request<Session>({ method: 'POST', path: '/sessions', body: { ...params } }),
    revokeSession: (sessionId: string) => request<Session>({ method: 'POST', path: `/sessions/${seg(sessionId)}/revoke` }),
    /** Checks that `token` is a valid session token of this live session; the session, or a 4xx. */
    verifySession: (sessionId: string, token: string) => request<Session>({ method: 'POST', path: `/sessions/${seg(sessionId)}/verify`, body: { token: required(token, 'token') } }),
    /** A session token, or one from a JWT template (by name). */
    getToken: (sessionId: string, template?: string, expiresInSeconds?: number) =>
      request<Token>({
        method: 'POST',
        path: template ? `/sessions/${seg(sessionId)}/tokens/${seg(template)}` : `/sessions/${seg(sessionId)}/tokens`,
        ...(expiresInSeconds !== undefined ? { body: { expiresInSeconds } } : {}),
      }),
  };
}

function emailAddressesApi(request: Requester) {
  return {
    getEmailAddress: (id: string) => request<EmailAddress>({ method: 'GET', path: `/email_addresses/${seg(id)}` }),
    createEmailAddress: (params: { userId: string; emailAddress: string; verified?: boolean; primary?: boolean }) => request<EmailAddress>({ method: 'POST', path: '/email_addresses', body: { ...params } }),
    updateEmailAddress: (id: string, params: { verified?: boolean; primary?: boolean } = {}) => request<EmailAddress>({ method: 'PATCH', path: `/email_addresses/${seg(id)}`, body: { ...params } }),
    deleteEmailAddress: (id: string) => request<DeletedObject>({ method: 'DELETE', path: `/email_addresses/${seg(id)}` }),
  };
}

function phoneNumbersApi(request: Requester) {
  return {
    getPhoneNumber: (id: string) => request<PhoneNumber>({ method: 'GET', path: `/phone_numbers/${seg(id)}` }),
    createPhoneNumber: (params: { userId: string; phoneNumber: string; verified?: boolean; primary?: boolean; reservedForSecondFactor?: boolean }) =>
      request<PhoneNumber>({ method: 'POST', path: '/phone_numbers', body: { ...params } }),
    updatePhoneNumber: (id: string, params: { verified?: boolean; primary?: boolean; reservedForSecondFactor?: boolean } = {}) =>
      request<PhoneNumber>({ method: 'PATCH', path: `/phone_numbers/${seg(id)}`, body: { ...params } }),
    deletePhoneNumber: (id: string) => request<DeletedObject>({ method: 'DELETE', path: `/phone_numbers/${seg(id)}` }),
  };
}

type OrgRef = { organizationId: string };

function organizationsApi(request: Requester) {
  const org = (id: string) => `/organizations/${seg(id)}`;
  return {
    getOrganizationList: (params: PaginationParams & { includeMembersCount?: boolean; query?: string; orderBy?: string; organizationId?: string[] } = {}) =>
      request<PaginatedResourceResponse<Organization>>({ method: 'GET', path: '/organizations', query: query(params) }),
    createOrganization: (params: { name: string; slug?: string; createdBy?: string; maxAllowedMemberships?: number; publicMetadata?: Metadata; privateMetadata?: Metadata }) =>
      request<Organization>({ method: 'POST', path: '/organizations', body: { ...params } }),
    /** By id or by slug. */
    getOrganization: (params: ({ organizationId: string } | { slug: string }) & { includeMembersCount?: boolean }) => {
      const { includeMembersCount } = params;
      const idOrSlug = 'organizationId' in params ? params.organizationId : params.slug;
      return request<Organization>({ method: 'GET', path: org(idOrSlug), query: { includeMembersCount } });
    },
    updateOrganization: (organizationId: string, params: { name?: string; slug?: string; adminDeleteEnabled?: boolean; maxAllowedMemberships?: number; publicMetadata?: Metadata; privateMetadata?: Metadata }) =>
      request<Organization>({ method: 'PATCH', path: org(organizationId), body: { ...params } }),
    updateOrganizationLogo(organizationId: string, params: { file: Blob; uploaderUserId?: string }): Promise<Organization> {
      const form = new FormData();
      form.append('file', params.file);
      if (params.uploaderUserId) form.append('uploader_user_id', params.uploaderUserId);
      return request<Organization>({ method: 'PUT', path: `${org(organizationId)}/logo`, formData: form });
    },
    deleteOrganizationLogo: (organizationId: string) => request<Organization>({ method: 'DELETE', path: `${org(organizationId)}/logo` }),
    deleteOrganization: (organizationId: string) => request<DeletedObject>({ method: 'DELETE', path: org(organizationId) }),

    getOrganizationMembershipList: ({ organizationId, ...params }: OrgRef & PaginationParams & Params) =>
      request<PaginatedResourceResponse<OrganizationMembership>>({ method: 'GET', path: `${org(organizationId)}/memberships`, query: query(params) }),
    getInstanceOrganizationMembershipList: (params: PaginationParams & { orderBy?: string } = {}) =>
      request<PaginatedResourceResponse<OrganizationMembership>>({ method: 'GET', path: '/organization_memberships', query: query(params) }),
    createOrganizationMembership: ({ organizationId, ...body }: OrgRef & { userId: string; role: string }) =>
      request<OrganizationMembership>({ method: 'POST', path: `${org(organizationId)}/memberships`, body }),
    updateOrganizationMembership: ({ organizationId, userId, role }: OrgRef & { userId: string; role: string }) =>
      request<OrganizationMembership>({ method: 'PATCH', path: `${org(organizationId)}/memberships/${seg(userId)}`, body: { role } }),
    updateOrganizationMembershipMetadata: ({ organizationId, userId, ...body }: OrgRef & { userId: string; publicMetadata?: Metadata; privateMetadata?: Metadata }) =>
      request<OrganizationMembership>({ method: 'PATCH', path: `${org(organizationId)}/memberships/${seg(userId)}/metadata`, body }),
    deleteOrganizationMembership: ({ organizationId, userId }: OrgRef & { userId: string }) =>
      request<OrganizationMembership>({ method: 'DELETE', path: `${org(organizationId)}/memberships/${seg(userId)}` }),

    getOrganizationInvitationList: ({ organizationId, ...params }: OrgRef & PaginationParams & { status?: string[] }) =>
      request<PaginatedResourceResponse<OrganizationInvitation>>({ method: 'GET', path: `${org(organizationId)}/invitations`, query: query(params) }),
    createOrganizationInvitation: ({ organizationId, ...body }: OrgRef & { emailAddress: string; role: string; expiresInDays?: number; inviterUserId?: string; publicMetadata?: Metadata; privateMetadata?: Metadata; redirectUrl?: string }) =>
      request<OrganizationInvitation>({ method: 'POST', path: `${org(organizationId)}/invitations`, body }),
    createOrganizationInvitationBulk: (organizationId: string, params: { emailAddress: string; role: string; inviterUserId?: string; publicMetadata?: Metadata; privateMetadata?: Metadata; redirectUrl?: string }[]) =>
      request<PaginatedResourceResponse<OrganizationInvitation>>({ method: 'POST', path: `${org(organizationId)}/invitations/bulk`, body: params.map((p) => ({ ...p })) }),
    getOrganizationInvitation: ({ organizationId, invitationId }: OrgRef & { invitationId: string }) =>
      request<OrganizationInvitation>({ method: 'GET', path: `${org(organizationId)}/invitations/${seg(invitationId)}` }),
    revokeOrganizationInvitation: ({ organizationId, invitationId, ...body }: OrgRef & { invitationId: string; requestingUserId?: string }) =>
      request<OrganizationInvitation>({ method: 'POST', path: `${org(organizationId)}/invitations/${seg(invitationId)}/revoke`, body }),

    getOrganizationDomainList: ({ organizationId, ...params }: OrgRef & PaginationParams) =>
      request<PaginatedResourceResponse<OrganizationDomain>>({ method: 'GET', path: `${org(organizationId)}/domains`, query: query(params) }),
    /** `verified` defaults to true, as in the official SDK. */
    createOrganizationDomain: ({ organizationId, verified = true, ...body }: OrgRef & { name: string; enrollmentMode?: string; verified?: boolean }) =>
      request<OrganizationDomain>({ method: 'POST', path: `${org(organizationId)}/domains`, body: { ...body, verified } }),
    updateOrganizationDomain: ({ organizationId, domainId, ...body }: OrgRef & { domainId: string; enrollmentMode?: string; verified?: boolean }) =>
      request<OrganizationDomain>({ method: 'PATCH', path: `${org(organizationId)}/domains/${seg(domainId)}`, body }),
    deleteOrganizationDomain: ({ organizationId, domainId }: OrgRef & { domainId: string }) =>
      request<DeletedObject>({ method: 'DELETE', path: `${org(organizationId)}/domains/${seg(domainId)}` }),
  };
}

function rolesApi(request: Requester) {
  return {
    getOrganizationRoleList: (params: PaginationParams & { query?: string; orderBy?: string } = {}) =>
      request<PaginatedResourceResponse<OrganizationRole>>({ method: 'GET', path: '/organization_roles', query: query(params) }),
    getOrganizationRole: (roleId: string) => request<OrganizationRole>({ method: 'GET', path: `/organization_roles/${seg(roleId)}` }),
    createOrganizationRole: (params: { name: string; key: string; description?: string; permissions?: string[] }) => request<OrganizationRole>({ method: 'POST', path: '/organization_roles', body: { ...params } }),
    updateOrganizationRole: (roleId: string, params: { name?: string; key?: string; description?: string; permissions?: string[] }) =>
      request<OrganizationRole>({ method: 'PATCH', path: `/organization_roles/${seg(roleId)}`, body: { ...params } }),
    deleteOrganizationRole: (roleId: string) => request<DeletedObject>({ method: 'DELETE', path: `/organization_roles/${seg(roleId)}` }),
  };
}

function permissionsApi(request: Requester) {
  return {
    getOrganizationPermissionList: (params: PaginationParams & { query?: string; orderBy?: string } = {}) =>
      request<PaginatedResourceResponse<OrganizationPermission>>({ method: 'GET', path: '/organization_permissions', query: query(params) }),
    getOrganizationPermission: (id: string) => request<OrganizationPermission>({ method: 'GET', path: `/organization_permissions/${seg(id)}` }),
    createOrganizationPermission: (params: { name: string; key: string; description?: string }) => request<OrganizationPermission>({ method: 'POST', path: '/organization_permissions', body: { ...params } }),
    updateOrganizationPermission: (id: string, params: { name?: string; key?: string; description?: string }) =>
      request<OrganizationPermission>({ method: 'PATCH', path: `/organization_permissions/${seg(id)}`, body: { ...params } }),
    deleteOrganizationPermission: (id: string) => request<DeletedObject>({ method: 'DELETE', path: `/organization_permissions/${seg(id)}` }),
  };
}

function signInTokensApi(request: Requester) {
  return {
    createSignInToken: (params: { userId: string; expiresInSeconds?: number }) => request<SignInToken>({ method: 'POST', path: '/sign_in_tokens', body: { ...params } }),
    revokeSignInToken: (signInTokenId: string) => request<SignInToken>({ method: 'POST', path: `/sign_in_tokens/${seg(signInTokenId)}/revoke` }),
  };
}

export interface JwtTemplateParams {
  name: string;
  claims: Record<string, unknown>;
  lifetime?: number;
  allowedClockSkew?: number;
  customSigningKey?: boolean;
  signingAlgorithm?: string;
  signingKey?: string;
}

function jwtTemplatesApi(request: Requester) {
  return {
    list: (params: PaginationParams = {}) => request<PaginatedResourceResponse<JwtTemplate>>({ method: 'GET', path: '/jwt_templates', query: { ...query(params), paginated: true } }),
    get: (templateId: string) => request<JwtTemplate>({ method: 'GET', path: `/jwt_templates/${seg(templateId)}` }),
    create: (params: JwtTemplateParams) => request<JwtTemplate>({ method: 'POST', path: '/jwt_templates', body: { ...params } }),
    update: ({ templateId, ...params }: { templateId: string } & Partial<JwtTemplateParams>) => request<JwtTemplate>({ method: 'PATCH', path: `/jwt_templates/${seg(templateId)}`, body: params }),
    delete: (templateId: string) => request<DeletedObject>({ method: 'DELETE', path: `/jwt_templates/${seg(templateId)}` }),
  };
}

function emailsApi(request: Requester) {
  return {
    /** Sends an e-mail to one of a user's addresses (by its id). */
    createEmail: (params: { emailAddressId: string; subject: string; body: string; fromEmailName?: string }) => request<Email>({ method: 'POST', path: '/emails', body: { ...params } }),
    getEmail: (emailId: string) => request<Email>({ method: 'GET', path: `/emails/${seg(emailId)}` }),
  };
}

function smsMessagesApi(request: Requester) {
  return {
    /** Sends an SMS to one of a user's phone numbers (by its id). */
    createSMSMessage: (params: { phoneNumberId: string; message: string }) => request<SMSMessage>({ method: 'POST', path: '/sms_messages', body: { ...params } }),
    getSMSMessage: (smsMessageId: string) => request<SMSMessage>({ method: 'GET', path: `/sms_messages/${seg(smsMessageId)}` }),
  };
}

function instanceApi(request: Requester) {
  return {
    get: () => request<Record<string, unknown>>({ method: 'GET', path: '/instance' }),
    update: (params: Params) => request<Record<string, unknown>>({ method: 'PATCH', path: '/instance', body: params }),
    getRestrictions: () => request<InstanceRestrictions>({ method: 'GET', path: '/instance/restrictions' }),
    updateRestrictions: (params: Partial<Omit<InstanceRestrictions, 'object'>>) => request<InstanceRestrictions>({ method: 'PATCH', path: '/instance/restrictions', body: { ...params } }),
    getOrganizationSettings: () => request<Record<string, unknown>>({ method: 'GET', path: '/instance/organization_settings' }),
    updateOrganizationSettings: (params: Params) => request<Record<string, unknown>>({ method: 'PATCH', path: '/instance/organization_settings', body: params }),
  };
}

function jwksApi(request: Requester) {
  return {
    getJwks: () => request<Jwks>({ method: 'GET', path: '/jwks', raw: true }),
  };
}

/** Every sub-API over one requester. */
export function createBackendApi(request: Requester) {
  return {
    users: usersApi(request),
    allowlistIdentifiers: allowlistApi(request),
    blocklistIdentifiers: blocklistApi(request),
    invitations: invitationsApi(request),
    clients: clientsApi(request),
    sessions: sessionsApi(request),
    emailAddresses: emailAddressesApi(request),
    phoneNumbers: phoneNumbersApi(request),
    organizations: organizationsApi(request),
    organizationRoles: rolesApi(request),
    organizationPermissions: permissionsApi(request),
    signInTokens: signInTokensApi(request),
    jwtTemplates: jwtTemplatesApi(request),
    emails: emailsApi(request),
    smsMessages: smsMessagesApi(request),
    instance: instanceApi(request),
    jwks: jwksApi(request),
    /** Any other Backend API call, through the same authentication, encoding and errors. */
    request,
  };
}

export type BackendApi = ReturnType<typeof createBackendApi>;
