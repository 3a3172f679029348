// Seed 003, "private.ts" (set private metadata) — the Express sample, names changed only. The sample reads
// a free variable `body`; `shared/body.js` gives it one (the request's JSON body), so the text runs as written.
import { latchClient } from '@latch/express'
import { body } from '../../shared/body.js'

export default function privateSetSample(app) {
app .post ( '/updateStripe' , async (req , res) => {
const { stripeId , userId } = await body .json ()
await latchClient . users .updateUserMetadata (userId , {
privateMetadata : {
stripeId : stripeId ,
} ,
})
res .status ( 200 ) .json ({ success : true })
})
}
