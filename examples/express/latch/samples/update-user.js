// Seed 002, updateUser.js — the Express sample, with the package and client names changed only
// (`@clerk/clerk-sdk-node` → `@latch/express`, `clerkClient` → `latchClient`,
// `ClerkExpressRequireAuth` → `requireAuth`, `ClerkExpressWithAuth` → `latchMiddleware`).
import latchClient, { requireAuth } from '@latch/express';

export default function updateUserSample(app) {
  app.post('/api/update-user',
    // requireAuth returns an error for unauthorized requests
    requireAuth(),
    // Optionally latchMiddleware returns an empty user with no error
    // latchMiddleware(),
    async (req, res) => {
      // Get the user ID from req.auth
      const userId = req.auth.userId
      // The user attributes to update
      const params = { firstName: "John", lastName: "Wick" }
      const updatedUser = await latchClient.users.updateUser(userId, params)
      res.json({ updatedUser })
    })
}
