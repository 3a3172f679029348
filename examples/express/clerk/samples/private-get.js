// Seed 003, "private.ts" (read private metadata) — the Express sample, on the official @clerk/express (its `clerkClient` is the sample's, so the text is the original's). It calls
// `req.body.json()`; `shared/body.js` gives the parsed body that method, so the text runs as written.
import { clerkClient } from '@clerk/express'

export default function privateGetSample(app) {
app .post ( '/updateStripe' , async (req , res) => {
const { userId } = await req . body .json ()
const user = await clerkClient . users .getUser (userId)
res .status ( 200 ) .json ( user .privateMetadata)
})
}
