import { auth, clerkClient } from '@clerk/nextjs/server'
export default function AddVerifiedDomain() {
async function addVerifiedDomain(formData: FormData) {
'use server'
const { isAuthenticated, orgId } = await auth()
if (!isAuthenticated) {
throw new Error('You must be signed in to add a verified domain')
}
if (!orgId) {
throw new Error('No active organization found. Set one as active or create/join one')
}
const domain = formData.get('domain')?.toString()
if (!domain) {
throw new Error('Domain is required')
}
await (await clerkClient()).organizations.createOrganizationDomain({
organizationId: orgId,
name: domain,
enrollmentMode: 'automatic_invitation',
})
console.log(`Added domain ${domain} to organization ${orgId}`)
}
return (
<form action={addVerifiedDomain}>
<input placeholder="example.com" type="text" name="domain" />
<button type="submit">Add Domain</button>
</form>
)
}
