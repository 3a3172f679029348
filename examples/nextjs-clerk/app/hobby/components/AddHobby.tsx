'use client'
export default function UI({ addHobby }) {
return (
<form action={addHobby}>
<input value={'soccer'} type="text" name="hobby" />
<button type="submit">Submit your hobby</button>
</form>
)
}
