// Seed 003, "private.ts" (read private metadata) — the Express sample, names changed only. It calls
// `req.body.json()`; `shared/body.js` gives the parsed body that method, so the text runs as written.
import { latchClient } from '@latch/express'

export default function privateGetSample(app) {
app .post ( '/updateStripe' , async (req , res) => {
const { userId } = await req . body .json ()
const user = await latchClient . users .getUser (userId)
res .status ( 200 ) .json ( user .privateMetadata)
})
}
