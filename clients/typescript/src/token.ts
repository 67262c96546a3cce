/** Why the client asks for a token: the first connect, a refresh before expiry, or the edge refused the last one. */
export type TokenRequestReason = 'connect' | 'refresh' | 'rejected';

export interface TokenRequest {
  reason: TokenRequestReason;
  /** The token the client holds now, if any. */
  current?: string;
}

/** Returns a token for the user (e.g. from your backend); may be async. */
export type TokenProvider = (request: TokenRequest) => string | Promise<string>;

/**
 * The token's `exp` (unix ms) read from the JWT payload without verifying it: a fallback when the
 * edge's `auth:ok` carries no `tokenExpiresAt`. Undefined for anything that is not a JWT with `exp`.
 */
export function jwtExpiresAt(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) {
    return undefined;
  }

  try {
    const base64 = parts[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const json = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When to send a fresh `auth` for a token that expires at `expiresAt`: `leadMs` before it (the
 * edge's Auth:TokenRefreshGrace is 60 s by default), or halfway there for a token that lives
 * shorter than twice the lead.
 */
export function refreshDelay(expiresAt: number, now: number, leadMs: number): number {
  const remaining = expiresAt - now;
  if (remaining <= 0) {
    return 0;
  }

  return Math.max(0, remaining - Math.min(leadMs, remaining / 2));
}
