// Seed 003, "public.ts" (set public metadata) — the Express sample, names changed only, plus the one
// word it needs to parse at all: its handler uses `await`, so it is `async`.
import { latchClient } from '@latch/express'

export default function publicSample(app) {
app .post ( '/updateRole' , async (req , res) => {
const { role , userId } = req .body
await latchClient . users .updateUserMetadata (userId , {
publicMetadata : {
role ,
} ,
})
res .status ( 200 ) .json ({ success : true })
})
}
