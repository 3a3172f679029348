// Seed 002, app/routes/profile.[jsx/tsx] — the Remix sample, names changed only
// (`@clerk/remix/api.server` `createClerkClient` → `@latch/backend` `createLatchClient`, which also takes
// the Latch server's URL; `@clerk/remix/ssr.server` `getAuth` → ../auth.server.js; `json` from ../json.js).
import { createLatchClient } from "@latch/backend"
import { getAuth } from "../auth.server.js"
import { json } from "../json.js"

export const action = async (req) => {
  // Get the user ID from the session
  const { userId } = await getAuth(req)
  // The user attributes to update
  const params = { firstName: 'John', lastName: 'Wick' };
  const updatedUser = await createLatchClient({ secretKey: process.env.LATCH_SECRET_KEY, apiUrl: process.env.LATCH_API_URL }).users.updateUser(userId, params)
  return json({ updatedUser })
}
