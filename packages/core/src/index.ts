/**
 * @latch/core — wire types, ID and key codecs and error codes shared by the Latch server and SDKs.
 * Web-standard: no I/O and no Node built-ins.
 */
export { newId, isIdOf, randomToken, ID_PREFIXES } from './ids.js';
export type { IdPrefix } from './ids.js';
export {
  encodePublishableKey,
  decodePublishableKey,
  newSecretKey,
  isSecretKeyShape,
  secretKeyInstanceType,
} from './keys.js';
export type { InstanceType, DecodedPublishableKey } from './keys.js';
export { ErrorCode, ERROR_CODE_INFO } from './errors.js';
export type { ErrorJSON, ErrorEnvelopeJSON } from './errors.js';
export type * from './wire/index.js';
