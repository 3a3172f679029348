// Seed 003, "private.ts" (set unsafe metadata from the backend) — the Express sample, names changed only.
import { latchClient } from '@latch/express'
import { body } from '../../shared/body.js'

export default function unsafeSample(app) {
app .post ( '/updateStripe' , async (req , res) => {
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the sample reads stripeId and does not use it
const { stripeId , userId } = await body .json ()
await latchClient . users .updateUserMetadata (userId , {
unsafeMetadata : {
birthday : '11-30-1969' ,
} ,
})
res .status ( 200 ) .json ({ success : true })
})
}
