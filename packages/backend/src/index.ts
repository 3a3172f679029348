/**
 * @latch/backend — Latch's server SDK: the Backend API client (`createLatchClient`), offline session-token
 * verification (`verifyToken`) and request authentication for any fetch-Request framework
 * (`authenticateRequest`), with the official Node SDK's names and the same cookie contract.
 */
export { createLatchClient, createLatchClientFromEnv } from './client.js';
export type { LatchClient, LatchClientOptions } from './client.js';
export { createBackendApi } from './api.js';
export type { BackendApi, PaginationParams, UserListParams, UserCountParams, CreateUserParams, UpdateUserParams, UserMetadataParams, CreateInvitationParams, JwtTemplateParams } from './api.js';
export { buildRequester, retryAfterOf, SDK_USER_AGENT } from './request.js';
export type { LatchRequest, PaginatedResourceResponse, Requester, RequestOptions } from './request.js';
export { verifyToken, decodeJwt, clearJwksCache } from './jwt.js';
export type { JwtPayload, JwtHeader, VerifyTokenOptions, KeySourceOptions } from './jwt.js';
export { authenticateRequest, AuthErrorReason, Cookies, cookieSuffix, parseCookies } from './authenticate.js';
export type { AuthenticateRequestOptions, RequestState, SignedInState, SignedOutState, HandshakeState, AuthReason } from './authenticate.js';
export { signedInAuth, signedOutAuth, v2Permissions } from './auth-object.js';
export type { Auth, SignedInAuth, SignedOutAuth, HasParams } from './auth-object.js';
export { latchConfigFromEnv, loadLatchConfig } from './config.js';
export type { LatchConfig } from './config.js';
export { LatchAPIResponseError, isLatchAPIResponseError, TokenVerificationError, TokenVerificationErrorReason, LatchConfigError } from './errors.js';
export type { LatchAPIError } from './errors.js';
export { camelize, snakeBody } from './case.js';
export type { Camelized, CamelCase } from './case.js';
export { withUserHelpers } from './resources.js';
export type * from './resources.js';
export { requestFromNode, applyHeaders } from './node.js';
export type { NodeRequestOptions } from './node.js';
