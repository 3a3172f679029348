/**
 * Organization domains Backend API: an organization's domains, their verification (by an admin or an
 * affiliation code) and the instance's domains.
 */
import { z } from 'zod';
import type { BapiRouter } from '../../../http/bapi/surface.js';
import { parseOrderBy, qArray, qBool } from '../../../http/validation.js';
import { DeletedObjectSchema } from '../../../http/wire-schemas.js';
import { deletedJSON } from '../../users/serialize.js';
import { answers, idParam, list, modeEnum, OrgParams, pageOf, paging } from '../bapi-params.js';
import type { OrganizationService } from '../organizations/service.js';
import type { DomainRow } from './repository.js';
import { domainJSON, DomainSchema } from './serialize.js';
import type { DomainsService } from './service.js';

const TAGS = ['Organization Domains'];
const DomainParams = z.object({ organization_id: idParam, domain_id: idParam });

export function registerDomainRoutes(router: BapiRouter, deps: { organizations: OrganizationService; domains: DomainsService; publicUrl: string }): void {
  const { organizations, domains, publicUrl } = deps;
  const one = answers('The domain', DomainSchema);
  const many = answers('Domains', list(DomainSchema));
  const page = async (rows: DomainRow[]) => (await domains.views(rows)).map((v) => domainJSON(v, publicUrl));
  const single = async (row: DomainRow) => (await page([row]))[0];

  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/domains',
      operationId: 'CreateOrganizationDomain',
      summary: 'Create a new organization domain',
      description:
        'Verified unless `verified` is false. Public e-mail provider domains are refused. A verified automatic_invitation domain invites every user with a verified address at it; automatic_suggestion suggests the organization instead.',
      tags: TAGS,
      params: OrgParams,
      body: z.object({ name: z.string().min(1).max(253), enrollment_mode: modeEnum.nullable().optional(), verified: z.boolean().nullable().optional() }).strict(),
      responses: one,
    },
    async ({ params, body }) => single(await domains.addDomain(params.organization_id, { name: body.name, enrollmentMode: body.enrollment_mode, verified: body.verified })),
  );
  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/domains',
      operationId: 'ListOrganizationDomains',
      summary: 'Get a list of all domains of an organization',
      tags: TAGS,
      params: OrgParams,
      query: z.object({ verified: qBool().optional(), enrollment_mode: modeEnum.optional(), ...paging }),
      responses: many,
    },
    async ({ params, query }) => {
      const org = await organizations.get(params.organization_id);
      const { rows, total } = await domains.listDomains({
        organizationId: org.id,
        verified: query.verified,
        enrollmentModes: query.enrollment_mode ? [query.enrollment_mode] : undefined,
        orderBy: 'created_at',
        direction: 'desc',
        ...pageOf(query),
      });
      return { data: await page(rows), total_count: total };
    },
  );
  router.add(
    {
      method: 'patch',
      path: '/organizations/{organization_id}/domains/{domain_id}',
      operationId: 'UpdateOrganizationDomain',
      summary: 'Update an organization domain',
      tags: TAGS,
      params: DomainParams,
      body: z.object({ enrollment_mode: modeEnum.nullable().optional(), verified: z.boolean().nullable().optional(), name: z.string().max(253).nullable().optional() }).strict(),
      responses: one,
    },
    async ({ params, body }) => single(await domains.updateDomain(params.organization_id, params.domain_id, { enrollmentMode: body.enrollment_mode, verified: body.verified })),
  );
  router.add(
    {
      method: 'delete',
      path: '/organizations/{organization_id}/domains/{domain_id}',
      operationId: 'DeleteOrganizationDomain',
      summary: 'Remove a domain from an organization',
      tags: TAGS,
      params: DomainParams,
      responses: answers('Deleted', DeletedObjectSchema),
    },
    async ({ params }) => deletedJSON('organization_domain', await domains.deleteDomain(params.organization_id, params.domain_id)),
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/domains/{domain_id}/verify_ownership',
      operationId: 'VerifyOrganizationDomainOwnership',
      summary: "Mark an organization domain's ownership as verified",
      tags: TAGS,
      params: DomainParams,
      responses: one,
    },
    async ({ params }) => single(await domains.verifyDomainOwnership(params.organization_id, params.domain_id)),
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/domains/{domain_id}/prepare_affiliation_verification',
      operationId: 'PrepareOrganizationDomainAffiliationVerification',
      summary: 'Send a verification code to an address at the domain',
      description: 'Latch extension mirroring the Frontend API: proving receipt of the code verifies the domain.',
      tags: TAGS,
      params: DomainParams,
      body: z.object({ affiliation_email_address: z.string().min(3).max(320) }).strict(),
      responses: one,
    },
    async ({ params, body }) => single(await domains.prepareAffiliation(params.organization_id, params.domain_id, body.affiliation_email_address)),
  );
  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/domains/{domain_id}/attempt_affiliation_verification',
      operationId: 'AttemptOrganizationDomainAffiliationVerification',
      summary: 'Verify the domain with the code that was sent',
      description: 'Latch extension mirroring the Frontend API. Five wrong codes invalidate the code; it expires after 10 minutes.',
      tags: TAGS,
      params: DomainParams,
      body: z.object({ code: z.string().min(1).max(12) }).strict(),
      responses: one,
    },
    async ({ params, body }) => single(await domains.attemptAffiliation(params.organization_id, params.domain_id, body.code)),
  );
  router.add(
    {
      method: 'get',
      path: '/organization_domains',
      operationId: 'ListAllOrganizationDomains',
      summary: 'List all organization domains',
      tags: TAGS,
      query: z.object({
        organization_id: idParam.optional(),
        verified: qBool().optional(),
        enrollment_mode: z.array(modeEnum).max(3).optional(),
        query: z.string().max(253).optional(),
        domains: qArray().optional(),
        order_by: z.string().max(64).optional(),
        ...paging,
      }),
      responses: many,
    },
    async ({ query }) => {
      const order = parseOrderBy(query.order_by, ['created_at', 'name'] as const, '-created_at');
      const { rows, total } = await domains.listDomains({
        organizationId: query.organization_id,
        verified: query.verified,
        enrollmentModes: query.enrollment_mode,
        query: query.query,
        names: query.domains,
        orderBy: order.field,
        direction: order.direction,
        ...pageOf(query),
      });
      return { data: await page(rows), total_count: total };
    },
  );
}
