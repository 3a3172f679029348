import type { ReactNode } from 'react'
import LatchScripts from './latch-scripts'

export const metadata = { title: '@clerk/nextjs against Latch' }

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        {children}
        <LatchScripts />
      </body>
    </html>
  )
}
