import { auth } from '@latch/nextjs/server'
export default function AddToCart() {
async function addItem(formData: FormData) {
'use server'
const { isAuthenticated } = await auth()
if (!isAuthenticated) {
throw new Error('You must be signed in to add an item to your cart')
}
console.log('add item server action', formData)
}
return (
<form action={addItem}>
<input value={'test'} type="text" name="name" />
<button type="submit">Add to Cart</button>
</form>
)
}
