// The dashboard's HTTP guards: the session cookie, the same-origin check, the CSRF token and the security headers every answer carries.
import { timingSafeEqual } from 'node:crypto'

export const SESSION_COOKIE = 'sociaro_session'

/** No inline script or style, nothing from another origin, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

export function sessionToken(request: Request): string | undefined {
  const header = request.headers.get('cookie')
  if (!header) return undefined
  for (const part of header.split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === SESSION_COOKIE) return part.slice(at + 1).trim()
  }
  return undefined
}

/**
 * Secure when the browser reached us over https: directly (the URL) or through a proxy that says so. The forwarded
 * header is believed from anyone because it can only make the cookie stricter: a client that lies gets a cookie its
 * own browser will not send back over plain http.
 */
export function overHttps(request: Request): boolean {
  return request.url.startsWith('https:') || request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https'
}

export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${secure ? '; Secure' : ''}`
}

export const clearedCookie = (secure: boolean) => sessionCookie('', 0, secure)

/**
 * A change must come from a page of this gateway: the Origin header (every browser sends it on a POST from script)
 * names the host the request was sent to. Behind a proxy the Host header is the public one, which is what the
 * browser's Origin names too; the scheme is not compared, since TLS may end at the proxy.
 */
export function sameOrigin(request: Request): boolean {
  const origin = request.headers.get('origin')
  const host = request.headers.get('host')
  if (!origin || !host || origin === 'null') return false
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}

export function csrfMatches(presented: string | null, expected: string): boolean {
  if (!presented || presented.length !== expected.length) return false
  return timingSafeEqual(Buffer.from(presented), Buffer.from(expected))
}
