import { clerkClient } from '@clerk/nextjs/server'
import { NextApiRequest , NextApiResponse } from 'next'
export default async function handler (req : NextApiRequest , res : NextApiResponse ) {
const { stripeId , userId } = req .body
await (await clerkClient()).users .updateUserMetadata (userId , {
unsafeMetadata : {
birthday : '11-30-1969' ,
} ,
})
res .status ( 200 ) .json ({ success : true })
}
