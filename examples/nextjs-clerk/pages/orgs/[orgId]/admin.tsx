// Seed 004's admin page in @clerk/nextjs 7's form: `withServerSideAuth` is gone, getAuth(ctx.req) remains.
import type { GetServerSideProps } from 'next'
import { clerkClient, getAuth } from '@clerk/nextjs/server'
const OrganizationAdmin = ({ organizationName }: { organizationName: string }) => {
  return <p>Admin page for: {organizationName}</p>
}
export const getServerSideProps: GetServerSideProps = async ({ req, resolvedUrl, query }) => {
  const { sessionId, orgId, orgRole } = getAuth(req)
  /** If the user is not signed in, redirect him to the sign in page. */
  if (!sessionId) {
    return { redirect: { destination: '/sign-in?redirect_url=' + resolvedUrl, permanent: false } }
  }
  const isCurrentOrganizationAdmin = orgId === query.orgId && orgRole === 'org:admin'
  /** If the user's current organization role is not an admin, redirect them home. */
  if (!isCurrentOrganizationAdmin) {
    return { redirect: { destination: '/', permanent: false } }
  }
  const organization = await (await clerkClient()).organizations.getOrganization({ organizationId: orgId })
  return { props: { organizationName: organization.name } }
}
export default OrganizationAdmin
