import { connection } from 'next/server'

/**
 * Loads the browser SDK on every page (it keeps the `__session` cookie fresh), from the same variables
 * the server SDK reads: NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY, NEXT_PUBLIC_CLERK_PROXY_URL (Latch's /fapi) and
 * LATCH_CLERK_JS_URL (default the clerk-js 5 bundle the Frontend API serves).
 */
export default async function LatchScripts() {
  await connection()
  const publishableKey = process.env.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY || ''
  const fapi = process.env.NEXT_PUBLIC_CLERK_PROXY_URL || ''
  const src = process.env.LATCH_CLERK_JS_URL || `${fapi}/npm/@clerk/clerk-js@5/dist/clerk.browser.js`
  const boot = `window.__latch={ready:false,error:null};(function(){var s=document.createElement('script');s.async=true;
s.setAttribute('data-clerk-publishable-key',${JSON.stringify(publishableKey)});s.setAttribute('data-clerk-proxy-url',${JSON.stringify(fapi)});s.src=${JSON.stringify(src)};
s.onload=function(){window.Clerk.load({telemetry:false}).then(function(){window.__latch.ready=true;var el=document.getElementById('sign-in');if(el)window.Clerk.mountSignIn(el);},function(e){window.__latch.error=String(e&&e.message||e);});};
document.head.appendChild(s);})();`
  return <script dangerouslySetInnerHTML={{ __html: boot }} />
}
