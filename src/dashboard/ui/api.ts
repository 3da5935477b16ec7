// The dashboard's calls to /dashboard/api: JSON in and out, the session's CSRF token on every change, a 401 back to sign-in.
import type { DashboardIdentity } from '../../types/dashboard-api.ts'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** Who is signed in: the server's own type (src/types/dashboard-api.ts). */
export type Identity = DashboardIdentity

let csrfToken = ''
let onSignedOut: () => void = () => {}

export function useSession(identity: Identity | undefined, signedOut: () => void): void {
  csrfToken = identity?.csrf_token ?? ''
  onSignedOut = signedOut
}

export async function api<T>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = options.method ?? 'GET'
  const headers: Record<string, string> = { accept: 'application/json' }
  if (method !== 'GET') {
    headers['content-type'] = 'application/json'
    headers['x-csrf-token'] = csrfToken
  }
  const response = await fetch(`/dashboard/api${path}`, { method, headers, credentials: 'same-origin', ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) })
  const text = await response.text()
  const body = text ? (JSON.parse(text) as unknown) : undefined
  if (!response.ok) {
    const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${response.status}`
    if (response.status === 401 && !path.startsWith('/login')) onSignedOut()
    throw new ApiError(response.status, message)
  }
  return body as T
}

/** Query string from the filled fields only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value))
  const text = search.toString()
  return text ? `?${text}` : ''
}
