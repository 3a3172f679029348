/**
 * A minimal browser for Frontend API tests: keeps the cookies Latch sets (by name, ignoring attributes),
 * sends them back, names its page origin, encodes bodies as forms and tunnels methods the way the
 * official SDK does.
 */
export interface FapiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export class FapiBrowser {
  readonly cookies = new Map<string, string>();
  /** Sent with every call (a user agent, what a proxy adds). */
  readonly headers: Record<string, string> = {};

  constructor(
    private readonly baseUrl: string,
    readonly origin = 'http://localhost:3000',
  ) {}

  async call<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, form?: Record<string, string | string[]>): Promise<FapiResponse<T>> {
    const url = new URL(`${this.baseUrl}/fapi/v1${path}`);
    url.searchParams.set('__clerk_api_version', '2025-11-10');
    url.searchParams.set('_clerk_js_version', '5.128.0');
    if (method !== 'GET' && method !== 'POST') url.searchParams.set('_method', method);
    const headers = new Headers({ ...this.headers, origin: this.origin });
    const jar = [...this.cookies].filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`);
    if (jar.length) headers.set('cookie', jar.join('; '));
    let body: string | undefined;
    if (form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
      body = params.toString();
      headers.set('content-type', 'application/x-www-form-urlencoded');
    }
    const res = await fetch(url, { method: method === 'GET' ? 'GET' : 'POST', headers, ...(body !== undefined ? { body } : {}) });
    this.keep(res);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
  }

  /**
   * Follows a link as a person does (a top-level GET with this browser's cookies, no Origin): the
   * status, where it redirects and the body, without following the redirect.
   */
  async open(link: string): Promise<{ status: number; location: string | null; text: string }> {
    const jar = [...this.cookies].filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`);
    const res = await fetch(link, { redirect: 'manual', headers: jar.length ? { cookie: jar.join('; ') } : {} });
    this.keep(res);
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }

  get = <T = Record<string, unknown>>(path: string) => this.call<T>('GET', path);
  post = <T = Record<string, unknown>>(path: string, form?: Record<string, string | string[]>) => this.call<T>('POST', path, form);
}
