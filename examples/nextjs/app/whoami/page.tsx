import { auth } from '@latch/nextjs/server'

export default async function WhoAmI() {
  const { isAuthenticated, userId, sessionId, orgId, orgRole, orgSlug } = await auth()
  return (
    <pre id="whoami">{JSON.stringify({ isAuthenticated, userId, sessionId, orgId, orgRole, orgSlug })}</pre>
  )
}
