// Seed 004's API route in @clerk/nextjs 7's form: `@clerk/nextjs/api` and `requireAuth` are gone, getAuth(req) remains.
import { getAuth } from '@clerk/nextjs/server'
import type { NextApiRequest, NextApiResponse } from 'next'
export default function handler(req: NextApiRequest, res: NextApiResponse) {
  const { isAuthenticated, orgId, orgRole } = getAuth(req)
  if (!isAuthenticated) return res.status(401).json({ error: 'Unauthenticated' })
  res.json({ orgId, role: orgRole })
}
