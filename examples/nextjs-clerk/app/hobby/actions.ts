'use server'
import { auth, currentUser } from '@clerk/nextjs/server'
export async function addHobby(formData: FormData) {
const { isAuthenticated } = await auth()
const user = await currentUser()
if (!isAuthenticated) {
throw new Error('You must be signed in to use this feature')
}
const serverData = {
usersHobby: formData.get('hobby'),
userId: user.id,
profileImage: user.imageUrl,
}
console.log('add Hobby completed with user details ', serverData)
}
