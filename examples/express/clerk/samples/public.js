// Seed 003, "public.ts" (set public metadata) — the Express sample, on the official @clerk/express (its `clerkClient` is the sample's, so the text is the original's), plus the one
// word it needs to parse at all: its handler uses `await`, so it is `async`.
import { clerkClient } from '@clerk/express'

export default function publicSample(app) {
app .post ( '/updateRole' , async (req , res) => {
const { role , userId } = req .body
await clerkClient . users .updateUserMetadata (userId , {
publicMetadata : {
role ,
} ,
})
res .status ( 200 ) .json ({ success : true })
})
}
