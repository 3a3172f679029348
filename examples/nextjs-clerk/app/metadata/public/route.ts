import { NextResponse } from 'next/server'
import { clerkClient } from '@clerk/nextjs/server'
export async function POST (body: Request) {
const { role , userId } = await body .json ()
await (await clerkClient()).users .updateUserMetadata (userId , {
publicMetadata : {
role ,
} ,
})
return NextResponse .json ({ success : true })
}
