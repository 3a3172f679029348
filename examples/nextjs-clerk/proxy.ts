import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server'

// The metadata samples take the user id from the request body: only signed-in callers may reach them.
const isSignedInOnly = createRouteMatcher(['/metadata/(.*)', '/private', '/api/private(.*)', '/api/public', '/api/unsafe'])

export default clerkMiddleware(async (auth, req) => {
  if (isSignedInOnly(req)) await auth.protect()
})

export const config = {
  matcher: ['/((?!_next|.*\\..*).*)', '/(api|trpc)(.*)'],
}
