/**
 * Allowlist, blocklist and instance restrictions: `/allowlist_identifiers`, `/blocklist_identifiers`,
 * `/instance/restrictions`.
 */
import { z } from 'zod';
import type { BapiRouter } from '../../http/bapi/surface.js';
import { qBool, qInt } from '../../http/validation.js';
import { DeletedObjectSchema, ERROR_RESPONSES } from '../../http/wire-schemas.js';
import { deletedJSON, paginatedJSON } from '../users/serialize.js';
import type { InstanceService, Restrictions } from '../instance/service.js';
import {
  AllowlistIdentifierSchema,
  BlocklistIdentifierSchema,
  InstanceRestrictionsSchema,
  allowlistIdentifierJSON,
  blocklistIdentifierJSON,
  restrictionsJSON,
} from './serialize.js';
import type { AccessService } from './service.js';

const ListQuery = z.object({ paginated: qBool().optional(), limit: qInt(1, 500).optional(), offset: qInt(0, 1e9).optional() });
const idParam = z.string().min(1).max(128);
const identifier = z.string().min(1).max(320);

const RestrictionsBody = z
  .object({
    allowlist: z.boolean().nullable().optional(),
    blocklist: z.boolean().nullable().optional(),
    allowlist_blocklist_disabled_on_sign_in: z.boolean().nullable().optional(),
    block_email_subaddresses: z.boolean().nullable().optional(),
    block_disposable_email_domains: z.boolean().nullable().optional(),
  })
  .strict();

export function registerAccessRoutes(router: BapiRouter, access: AccessService, instance: InstanceService, instanceId: () => string | null): void {
  const ALLOW = ['Allow-list / Block-list'];

  router.add(
    {
      method: 'get',
      path: '/allowlist_identifiers',
      operationId: 'ListAllowlistIdentifiers',
      summary: 'List all identifiers on the allow-list',
      description: 'Newest first. A plain array, or `{data,total_count}` with `paginated=true`.',
      tags: ALLOW,
      query: ListQuery,
      responses: {
        200: {
          description: 'Allowlist identifiers',
          schema: z.union([z.array(AllowlistIdentifierSchema), z.object({ data: z.array(AllowlistIdentifierSchema), total_count: z.number().int() })]),
        },
        ...ERROR_RESPONSES,
      },
    },
    async ({ query }) => {
      const paginated = query.paginated === true;
      const limit = query.limit ?? (paginated ? 10 : 500);
      const rows = await access.allowlist.list({ limit, offset: query.offset ?? 0 });
      const data = rows.map((r) => allowlistIdentifierJSON(r, instanceId()));
      return paginated ? paginatedJSON(data, await access.allowlist.count()) : data;
    },
  );
  router.add(
    {
      method: 'post',
      path: '/allowlist_identifiers',
      operationId: 'CreateAllowlistIdentifier',
      summary: 'Add identifier to the allow-list',
      description: 'An e-mail address, a `*@domain` wildcard, an E.164 phone number or a web3 wallet. `notify` sends the owner an e-mail or SMS (not for wildcards).',
      tags: ALLOW,
      body: z.object({ identifier, notify: z.boolean().nullable().optional() }).strict(),
      responses: { 200: { description: 'The identifier', schema: AllowlistIdentifierSchema }, ...ERROR_RESPONSES },
    },
    async ({ body }) => allowlistIdentifierJSON(await access.allowlist.create({ identifier: body.identifier, notify: body.notify === true }), instanceId()),
  );
  router.add(
    {
      method: 'delete',
      path: '/allowlist_identifiers/{identifier_id}',
      operationId: 'DeleteAllowlistIdentifier',
      summary: 'Delete identifier from allow-list',
      tags: ALLOW,
      params: z.object({ identifier_id: idParam }),
      responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => {
      await access.allowlist.remove(params.identifier_id);
      return deletedJSON('allowlist_identifier', params.identifier_id);
    },
  );

  router.add(
    {
      method: 'get',
      path: '/blocklist_identifiers',
      operationId: 'ListBlocklistIdentifiers',
      summary: 'List all identifiers on the block-list',
      description: 'Newest first, always `{data,total_count}`.',
      tags: ALLOW,
      query: ListQuery,
      responses: { 200: { description: 'Blocklist identifiers', schema: z.object({ data: z.array(BlocklistIdentifierSchema), total_count: z.number().int() }) }, ...ERROR_RESPONSES },
    },
    async ({ query }) => {
      const rows = await access.blocklist.list({ limit: query.limit ?? 500, offset: query.offset ?? 0 });
      return paginatedJSON(
        rows.map((r) => blocklistIdentifierJSON(r, instanceId())),
        await access.blocklist.count(),
      );
    },
  );
  router.add(
    {
      method: 'post',
      path: '/blocklist_identifiers',
      operationId: 'CreateBlocklistIdentifier',
      summary: 'Add identifier to the block-list',
      tags: ALLOW,
      body: z.object({ identifier }).strict(),
      responses: { 200: { description: 'The identifier', schema: BlocklistIdentifierSchema }, ...ERROR_RESPONSES },
    },
    async ({ body }) => blocklistIdentifierJSON(await access.blocklist.create({ identifier: body.identifier }), instanceId()),
  );
  router.add(
    {
      method: 'delete',
      path: '/blocklist_identifiers/{identifier_id}',
      operationId: 'DeleteBlocklistIdentifier',
      summary: 'Delete identifier from block-list',
      tags: ALLOW,
      params: z.object({ identifier_id: idParam }),
      responses: { 200: { description: 'Deleted', schema: DeletedObjectSchema }, ...ERROR_RESPONSES },
    },
    async ({ params }) => {
      await access.blocklist.remove(params.identifier_id);
      return deletedJSON('blocklist_identifier', params.identifier_id);
    },
  );

  const INSTANCE = ['Instance Settings'];
  router.add(
    {
      method: 'get',
      path: '/instance/restrictions',
      operationId: 'GetInstanceRestrictions',
      summary: 'Read instance restrictions',
      tags: INSTANCE,
      responses: { 200: { description: 'The restrictions', schema: InstanceRestrictionsSchema }, ...ERROR_RESPONSES },
    },
    async () => restrictionsJSON((await instance.settings()).restrictions),
  );
  router.add(
    {
      method: 'patch',
      path: '/instance/restrictions',
      operationId: 'UpdateInstanceRestrictions',
      summary: 'Update instance restrictions',
      description: '`allowlist` restricts sign-up to allowlisted identifiers (and invitations); `blocklist` refuses blocklisted ones.',
      tags: INSTANCE,
      body: RestrictionsBody,
      responses: { 200: { description: 'The restrictions', schema: InstanceRestrictionsSchema }, ...ERROR_RESPONSES },
    },
    async ({ body }) => {
      const patch: Partial<Restrictions> = {};
      for (const [k, v] of Object.entries(body)) if (typeof v === 'boolean') patch[k as keyof Restrictions] = v;
      return restrictionsJSON(await instance.updateRestrictions(patch));
    },
  );
}
