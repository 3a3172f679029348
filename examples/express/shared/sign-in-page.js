// A sign-in page on the official browser SDK, loaded from the Latch Frontend API itself (no CDN).
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function signInPage({ publishableKey, frontendApiUrl }) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sign in</title></head><body>
<div id="sign-in"></div>
<script async crossorigin="anonymous" data-clerk-publishable-key="${escape(publishableKey)}" data-clerk-proxy-url="${escape(frontendApiUrl)}"
  src="${escape(frontendApiUrl)}/npm/@clerk/clerk-js@5/dist/clerk.browser.js"
  onload="window.Clerk.load().then(() => { const back = new window.URL(new URLSearchParams(location.search).get('redirect_url') || '/', location.href); if (window.Clerk.user) location.assign(back.origin === location.origin ? back.href : '/'); else window.Clerk.mountSignIn(document.getElementById('sign-in'), { forceRedirectUrl: back.origin === location.origin ? back.href : '/' }); })"></script>
</body></html>`;
}
