import { NextResponse } from 'next/server'
import { latchClient } from '@latch/nextjs/server'
export async function POST (body: Request) {
const { role , userId } = await body .json ()
await latchClient . users .updateUserMetadata (userId , {
publicMetadata : {
role ,
} ,
})
return NextResponse .json ({ success : true })
}
