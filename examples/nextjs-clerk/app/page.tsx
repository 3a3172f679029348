import Link from 'next/link'

export default function Home() {
  return (
    <main>
      <h1>@clerk/nextjs against Latch</h1>
      <ul>
        <li><Link href="/sign-in">Sign in</Link></li>
        <li><Link href="/whoami">Who am I (auth() in a Server Component)</Link></li>
        <li><Link href="/protected">Signed-in only (auth.protect(), currentUser())</Link></li>
        <li><Link href="/add-to-cart">Add to cart (Server Action, isAuthenticated)</Link></li>
        <li><Link href="/add-domain">Add a verified domain (Server Action, orgId)</Link></li>
        <li><Link href="/add-hobby">Add a hobby (Server Action, currentUser())</Link></li>
        <li><Link href="/hobby">Hobby (Server Action passed to a Client Component)</Link></li>
      </ul>
    </main>
  )
}
