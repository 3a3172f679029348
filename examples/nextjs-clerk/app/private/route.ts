import { NextResponse } from 'next/server'
import { clerkClient } from '@clerk/nextjs/server'
export async function GET (request : Request ) {
const { userId } = Object .fromEntries (new URL (request .url) .searchParams)
const user = await (await clerkClient()).users .getUser (userId)
return NextResponse .json ( user .privateMetadata)
}
