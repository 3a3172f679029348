// Seed 002, updateUser.js, in the official SDK's current form: `@clerk/clerk-sdk-node` and
// `ClerkExpressRequireAuth()` are gone; `@clerk/express` has `clerkMiddleware()` (installed app-wide in
// ../app.js) and `getAuth(req)`, and recommends answering unauthorized requests with a 401 yourself.
import { clerkClient, getAuth } from '@clerk/express'

export default function updateUserSample(app) {
  app.post('/api/update-user', async (req, res) => {
    // Get the user ID from the request's auth
    const { userId } = getAuth(req)
    if (!userId) return res.status(401).json({ error: 'Unauthorized' })
    // The user attributes to update
    const params = { firstName: "John", lastName: "Wick" }
    const updatedUser = await clerkClient.users.updateUser(userId, params)
    res.json({ updatedUser })
  })
}
