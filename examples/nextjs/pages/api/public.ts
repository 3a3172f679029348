import { latchClient } from '@latch/nextjs/server'
import { NextApiRequest , NextApiResponse } from 'next'
export default async function handler (req : NextApiRequest , res : NextApiResponse ) {
const { role , userId } = req .body
await latchClient . users .updateUserMetadata (userId , {
publicMetadata : {
role ,
} ,
})
res .status ( 200 ) .json ({ success : true })
}
