/**
 * Request pieces the organization routes share: path parameters, paging, enums and the list envelope.
 */
import { z } from 'zod';
import { qInt } from '../../http/validation.js';
import { ERROR_RESPONSES } from '../../http/wire-schemas.js';

export const idParam = z.string().min(1).max(128);
export const paging = { limit: qInt(1, 500).optional(), offset: qInt(0, 1e9).optional() };
export const OrgParams = z.object({ organization_id: idParam });
export const modeEnum = z.enum(['manual_invitation', 'automatic_invitation', 'automatic_suggestion']);
export const statusEnum = z.enum(['pending', 'accepted', 'revoked', 'expired']);

/** Every list answers `{data, total_count}`. */
export const list = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), total_count: z.number().int() });

/** The responses of a route answering one `schema`. */
export function answers<T extends z.ZodType>(description: string, schema: T) {
  return { 200: { description, schema }, ...ERROR_RESPONSES };
}

/** The default page: 10 from the start. */
export function pageOf(q: { limit?: number; offset?: number }): { limit: number; offset: number } {
  return { limit: q.limit ?? 10, offset: q.offset ?? 0 };
}
