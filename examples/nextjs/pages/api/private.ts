import { latchClient } from '@latch/nextjs/server'
import { NextApiRequest , NextApiResponse } from 'next'
export default async function handler (req : NextApiRequest , res : NextApiResponse ) {
if (req .method === 'GET') {
const { userId } = req .query as { userId : string }
const user = await latchClient . users .getUser (userId)
res .status ( 200 ) .json ( user .privateMetadata)
return
}
const { stripeId , userId } = req .body
await latchClient . users .updateUserMetadata (userId , {
privateMetadata : {
stripeId : stripeId ,
} ,
})
res .status ( 200 ) .json ({ success : true })
}
