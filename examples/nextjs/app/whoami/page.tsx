import { auth } from '@latch/nextjs/server'

export default async function WhoAmI() {
  const { isAuthenticated, userId, sessionId, orgId, orgRole, orgSlug, has } = await auth()
  const isOrgAdmin = has({ role: 'org:admin' })
  return (
    <pre id="whoami">{JSON.stringify({ isAuthenticated, userId: userId ?? null, sessionId: sessionId ?? null, orgId: orgId ?? null, orgRole: orgRole ?? null, orgSlug: orgSlug ?? null, isOrgAdmin })}</pre>
  )
}
