import { NextResponse } from 'next/server'
import { latchClient } from '@latch/nextjs/server'
export async function GET (request : Request ) {
const { userId } = Object .fromEntries (new URL (request .url) .searchParams)
const user = await latchClient . users .getUser (userId)
return NextResponse .json ( user .privateMetadata)
}
