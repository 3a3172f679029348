/**
 * An organization's verified domains, from the browser: org:sys_domains:read lists them,
 * org:sys_domains:manage adds one (unverified), proves it with a code sent to an address at it, changes
 * its enrollment mode and deletes it.
 */
import { z } from 'zod';
import { formBool } from '../../../http/fapi/form.js';
import type { FapiRouter } from '../../../http/fapi/surface.js';
import { qBool } from '../../../http/validation.js';
import { deletedJSON } from '../../users/serialize.js';
import { modeEnum } from '../bapi-params.js';
import { idParam, OrgParams, pageOf, paging, type OrganizationFapiContext } from '../fapi-kit.js';
import type { DomainRow } from './repository.js';
import { frontendDomainJSON } from './serialize.js';

const TAGS = ['Domains'];
const DomainParams = z.object({ organization_id: idParam, domain_id: idParam });

export function registerDomainFrontendRoutes(router: FapiRouter, ctx: OrganizationFapiContext): void {
  const { organizations: domain, publicUrl } = ctx;
  const { domains } = domain;
  const page = async (rows: DomainRow[]) => (await domains.views(rows)).map((v) => frontendDomainJSON(v, publicUrl));
  const single = async (row: DomainRow) => (await page([row]))[0] ?? null;
  const manage = 'org:sys_domains:manage' as const;

  router.add(
    {
      method: 'get',
      path: '/organizations/{organization_id}/domains',
      operationId: 'ListOrganizationDomains',
      summary: "The organization's domains",
      description: 'Needs org:sys_domains:read.',
      tags: TAGS,
      params: OrgParams,
      query: z.object({ verified: qBool().optional(), enrollment_mode: z.array(modeEnum).max(3).optional(), ...paging }),
      responses: { 200: { description: '`{data, total_count}`' } },
    },
    async ({ principal, params, query }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, 'org:sys_domains:read');
      const { rows, total } = await domains.listDomains({
        organizationId: organization.id,
        verified: query.verified,
        enrollmentModes: query.enrollment_mode,
        orderBy: 'created_at',
        direction: 'desc',
        ...pageOf(query),
      });
      return { data: await page(rows), total_count: total };
    },
  );

  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/domains',
      operationId: 'CreateOrganizationDomain',
      summary: 'Add a domain',
      description: 'The domain starts unverified; prove it with an affiliation code. Needs org:sys_domains:manage.',
      tags: TAGS,
      params: OrgParams,
      body: z.object({ name: z.string().min(1).max(253), enrollment_mode: modeEnum.optional() }).strict(),
      responses: { 200: { description: 'The domain' } },
    },
    async ({ principal, params, body }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, manage);
      return single(await domains.addDomain(organization.id, { name: body.name, enrollmentMode: body.enrollment_mode ?? null, verified: false }));
    },
  );

  router.add(
    { method: 'get', path: '/organizations/{organization_id}/domains/{domain_id}', operationId: 'GetOrganizationDomain', summary: 'A domain', description: 'Needs org:sys_domains:read.', tags: TAGS, params: DomainParams, responses: { 200: { description: 'The domain' } } },
    async ({ principal, params }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, 'org:sys_domains:read');
      const row = await domains.getDomain(organization.id, params.domain_id);
      return single(row);
    },
  );

  router.add(
    { method: 'delete', path: '/organizations/{organization_id}/domains/{domain_id}', operationId: 'deleteOrganizationDomain', summary: 'Delete a domain', description: 'Needs org:sys_domains:manage.', tags: TAGS, params: DomainParams, responses: { 200: { description: 'The deleted object' } } },
    async ({ principal, params }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, manage);
      return deletedJSON('organization_domain', await domains.deleteDomain(organization.id, params.domain_id));
    },
  );

  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/domains/{domain_id}/update_enrollment_mode',
      operationId: 'UpdateOrganizationDomainEnrollmentMode',
      summary: "Change a domain's enrollment mode",
      description: '`delete_pending` withdraws what the old mode sent that nobody took up. Needs org:sys_domains:manage.',
      tags: TAGS,
      params: DomainParams,
      body: z.object({ enrollment_mode: modeEnum, delete_pending: formBool.optional() }).strict(),
      responses: { 200: { description: 'The domain' } },
    },
    async ({ principal, params, body }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, manage);
      return single(await domains.updateEnrollmentMode(organization.id, params.domain_id, body.enrollment_mode, body.delete_pending ?? false));
    },
  );

  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/domains/{domain_id}/prepare_affiliation_verification',
      operationId: 'prepareOrganizationDomainVerification',
      summary: 'Send a code to an address at the domain',
      description: 'Needs org:sys_domains:manage.',
      tags: TAGS,
      params: DomainParams,
      body: z.object({ affiliation_email_address: z.string().max(320) }).strict(),
      responses: { 200: { description: 'The domain' } },
    },
    async ({ principal, params, body }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, manage);
      return single(await domains.prepareAffiliation(organization.id, params.domain_id, body.affiliation_email_address));
    },
  );

  router.add(
    {
      method: 'post',
      path: '/organizations/{organization_id}/domains/{domain_id}/attempt_affiliation_verification',
      operationId: 'attemptOrganizationDomainVerification',
      summary: 'Verify the domain with the code',
      description: 'Five wrong codes use the code up. Needs org:sys_domains:manage.',
      tags: TAGS,
      params: DomainParams,
      body: z.object({ code: z.string().max(32) }).strict(),
      responses: { 200: { description: 'The domain' } },
    },
    async ({ principal, params, body }) => {
      const { organization } = await ctx.authorize(principal, params.organization_id, manage);
      return single(await domains.attemptAffiliation(organization.id, params.domain_id, body.code));
    },
  );
}
