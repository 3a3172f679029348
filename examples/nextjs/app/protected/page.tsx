import { auth, currentUser } from '@latch/nextjs/server'

// Signed-out visitors are sent to the sign-in page (and back here afterwards).
export default async function Protected() {
  const { userId } = await auth.protect()
  const user = await currentUser()
  return <p id="protected">{userId} {user?.primaryEmailAddress?.emailAddress}</p>
}
