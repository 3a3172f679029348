/**
 * What the users route files share: path parameters, the resource tags and the response of a route that
 * answers with one user.
 */
import { z } from 'zod';
import { ERROR_RESPONSES } from '../../http/wire-schemas.js';
import { UserSchema } from './serialize.js';

export const idParam = z.string().min(1).max(128);
export const UserIdParams = z.object({ user_id: idParam });
export const USERS = ['Users'];

/** The responses of a route answering with the user. */
export const SINGLE_USER = { 200: { description: 'The user', schema: UserSchema }, ...ERROR_RESPONSES };
