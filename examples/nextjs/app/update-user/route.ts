import { NextRequest, NextResponse } from 'next/server'; import { getAuth, latchClient } from '@latch/nextjs/server'; // If you use `request` you don't need the type
export async function POST(req: NextRequest) { // Get the user ID from the session
const { userId } = getAuth(req); if (!userId) return NextResponse.redirect(new URL('/sign-in', req.url)); // The user attributes to update
const params = { firstName: 'John', lastName: 'Wick' }; const updatedUser = await latchClient.users.updateUser(userId, params); return NextResponse.json({ updatedUser }); }
