// A page loader: signed-in visitors see who they are; a returning visitor with stale cookies is sent
// through the handshake first (getAuth throws the redirect).
import { getAuth } from "../auth.server.js"

export const loader = async (args) => {
  const { userId } = await getAuth(args)
  const body = userId ? `<p id="who">Signed in as ${userId}</p>` : '<p id="who">Signed out</p>'
  return new Response(`<!doctype html><title>Latch + fetch</title>${body}`, { headers: { 'content-type': 'text/html; charset=utf-8' } })
}
