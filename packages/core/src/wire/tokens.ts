/** Wire types of sign-in tokens and JWT templates (Backend API). */

/** A one-time sign-in link for a user. `token` and `url` are shown only when it is created. */
export interface SignInTokenJSON {
  object: 'sign_in_token';
  id: string;
  user_id: string;
  status: 'pending' | 'accepted' | 'revoked';
  token?: string;
  url?: string | null;
  created_at: number;
  updated_at: number;
}

/** A named set of custom claims from which sessions mint tokens for other services. */
export interface JwtTemplateJSON {
  object: 'jwt_template';
  id: string;
  name: string;
  claims: Record<string, unknown>;
  lifetime: number;
  allowed_clock_skew: number;
  custom_signing_key: boolean;
  signing_algorithm: string;
  created_at: number;
  updated_at: number;
}

/** Latch extension: the instance's claims merged into every default session token. */
export interface SessionTokenClaimsJSON {
  object: 'session_token_claims';
  claims: Record<string, unknown>;
  updated_at: number | null;
}
