import { NextResponse } from 'next/server'
import { latchClient } from '@latch/nextjs/server'
export async function POST (body: Request) {
const { stripeId , userId } = await body .json ()
await latchClient . users .updateUserMetadata (userId , {
privateMetadata : {
stripeId : stripeId ,
} ,
})
return NextResponse .json ({ success : true })
}
