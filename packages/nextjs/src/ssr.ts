/**
 * `@latch/nextjs/ssr`: `withServerSideAuth(fn)` for the Pages Router's `getServerSideProps`, in the older
 * SDK's shape, a thin wrapper over `getAuth(req)`: `fn` runs with `ctx.req.auth` set (`sessionId`,
 * `userId`, …, and `claims` with the version-1 organization names `org_id` / `org_role` / `org_slug`).
 * As that SDK did, a `redirect` may leave out `permanent` (a temporary redirect then) and come with
 * `props` (dropped).
 */
import type { GetServerSidePropsContext, GetServerSidePropsResult, Redirect } from 'next';
import { legacyAuth, type LegacyAuth } from './api.js';

export type { LegacyAuth, LegacyClaims } from './api.js';

export type ServerSideAuthContext<C extends GetServerSidePropsContext = GetServerSidePropsContext> = C & { req: C['req'] & { auth: LegacyAuth } };

type Props = { [key: string]: unknown };

/** What `fn` may return: Next.js' result, or a redirect without `permanent` (and with `props`). */
export interface ServerSideAuthResult {
  props?: Props | Promise<Props>;
  redirect?: { destination: string; basePath?: false; permanent?: boolean; statusCode?: 301 | 302 | 303 | 307 | 308 };
  notFound?: true;
}

export function withServerSideAuth<P extends Props = Props, C extends GetServerSidePropsContext = GetServerSidePropsContext>(
  fn?: (ctx: ServerSideAuthContext<C>) => ServerSideAuthResult | Promise<ServerSideAuthResult>,
): (ctx: C) => Promise<GetServerSidePropsResult<P>> {
  return async (ctx) => {
    const withAuthCtx = ctx as ServerSideAuthContext<C>;
    withAuthCtx.req.auth = legacyAuth(ctx.req);
    if (!fn) return { props: {} as P };
    const result = await fn(withAuthCtx);
    if (result.redirect) {
      const r = result.redirect;
      const redirect = (r.statusCode !== undefined ? { destination: r.destination, statusCode: r.statusCode } : { destination: r.destination, permanent: r.permanent ?? false }) as Redirect;
      if (r.basePath === false) (redirect as { basePath?: false }).basePath = false;
      return { redirect };
    }
    return result as GetServerSidePropsResult<P>;
  };
}
