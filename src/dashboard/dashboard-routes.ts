// /dashboard: the page (an HTML import, bundled into the binary) and its API under /dashboard/api, every read scoped server-side to the session's org or key.
import { Elysia } from 'elysia'
import { ServiceError, serviceErrorBody } from '../errors/service-error.ts'
import { readBody } from '../proxy/read-body.ts'
import type { DashboardSession } from '../services/dashboard-session-service.ts'
import type { KeyInput } from '../services/limit-input.ts'
import type { Services } from '../services/services.ts'
import type { UsageFilterInput } from '../services/usage-service.ts'
import { clearedCookie, csrfMatches, overHttps, sameOrigin, SECURITY_HEADERS, sessionCookie, sessionToken } from './dashboard-security.ts'
import { ASSET_PREFIX, dashboardBundle } from './dashboard-assets.ts'
import dashboardPage from './ui/index.html'

/** Sign-in forms and key settings are small: anything larger is refused. */
const MAX_BODY_BYTES = 64 * 1024
const USAGE_GROUPS = new Set(['hour', 'day', 'provider', 'model', 'key', 'user'])

export interface DashboardDeps<B> {
  readonly services: Services<B>
  /** The client's address for the sign-in limits (undefined in-process). */
  readonly addressOf: (request: Request) => string | undefined
  /** Why the database cannot take writes: changes are refused while it is set. */
  readonly databaseProblem?: () => string | undefined
  /** The gateway's clock (default Date.now): the cookie's Max-Age is the session's end on the same clock that set it. */
  readonly now?: () => number
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { ...SECURITY_HEADERS, 'content-type': 'application/json', ...headers } })
const jsonText = (text: string) => new Response(text, { headers: { ...SECURITY_HEADERS, 'content-type': 'application/json' } })
const failure = (error: ServiceError, headers: Record<string, string> = {}) => json(serviceErrorBody(error), error.status, headers)

async function bodyOf(request: Request): Promise<Record<string, unknown>> {
  const bytes = await readBody(request, MAX_BODY_BYTES).catch(() => {
    throw new ServiceError('too_large', `Dashboard request bodies are limited to ${MAX_BODY_BYTES} bytes.`)
  })
  if (!bytes || bytes.length === 0) return {}
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes))
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {}
  throw new ServiceError('invalid', 'The request body must be a JSON object.')
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined)

/** The filter a page asked for, with the scope replaced by the session's: a query string never widens it. */
function scopedFilter(session: DashboardSession, query: URLSearchParams): UsageFilterInput {
  const filter: UsageFilterInput = { org: session.orgId }
  for (const field of ['from', 'to', 'provider', 'model', 'key', 'user', 'tag'] as const) {
    const value = query.get(field)
    if (value) filter[field] = value.slice(0, 200)
  }
  if (session.keyId !== null) filter.key = session.keyId
  return filter
}

/** Key settings as the admin role may change them from the dashboard (never the org). */
function keyInput(body: Record<string, unknown>): KeyInput {
  const input: KeyInput = {}
  if (body.name !== undefined) input.name = String(body.name).slice(0, 100)
  if (body.models !== undefined) {
    if (!Array.isArray(body.models) || body.models.length > 200) throw new ServiceError('invalid', 'models must be a list of patterns')
    input.models = body.models.map(String)
  }
  for (const field of ['rpm', 'tpm', 'max_concurrency', 'budget_soft_percent'] as const) {
    if (body[field] === null) input[field] = null
    else if (body[field] !== undefined) input[field] = Number(body[field])
  }
  if (body.budget_usd !== undefined) input.budget_usd = body.budget_usd === null ? null : (body.budget_usd as number | string)
  if (body.budget_period !== undefined) input.budget_period = body.budget_period === null ? null : String(body.budget_period)
  if (body.expires_at !== undefined) input.expires_at = body.expires_at === null ? null : String(body.expires_at)
  return input
}

/** The page and its bundle (in the compiled binary, embedded in it), served under /dashboard/ by the routes below. */
const bundle = dashboardBundle(dashboardPage, new URL('./ui/index.html', import.meta.url))

export function dashboardRoutes<B>(deps: DashboardDeps<B>) {
  const { services } = deps
  const now = deps.now ?? Date.now
  const cookieFor = (request: Request, token: string, expiresAt: string) =>
    sessionCookie(token, (Date.parse(expiresAt) - now()) / 1000, overHttps(request))

  /** The session of a request, or the refusal to send instead. */
  const authenticate = async (request: Request): Promise<DashboardSession | Response> => {
    const token = sessionToken(request)
    const session = token ? await services.sessions.resolve(token) : undefined
    if (!session) return failure(new ServiceError('unauthorized', 'Sign in to the dashboard first (the session is missing or has ended).'), { 'set-cookie': clearedCookie(overHttps(request)) })
    return session
  }
  /** A change: same origin, a live session, its CSRF token in x-csrf-token, and a writable database. */
  const authorizeChange = async (request: Request, needsAdmin: boolean): Promise<DashboardSession | Response> => {
    if (!sameOrigin(request)) return failure(new ServiceError('forbidden', 'Changes must come from the dashboard page itself (Origin does not match).'))
    const session = await authenticate(request)
    if (session instanceof Response) return session
    if (!csrfMatches(request.headers.get('x-csrf-token'), session.csrfToken)) return failure(new ServiceError('forbidden', 'The CSRF token is missing or wrong: reload the dashboard.'))
    if (needsAdmin && session.role !== 'admin') return failure(new ServiceError('forbidden', 'Only an admin of this organization can change keys.'))
    const problem = deps.databaseProblem?.()
    if (problem) return failure(new ServiceError('database_unavailable', problem))
    return session
  }
  /** A key of the session's own scope; another org's (or, for a key holder, another key) is "not found", never "forbidden". */
  const scopedKey = async (session: DashboardSession, id: string) => {
    const key = await services.keys.get(id).catch(() => undefined)
    if (!key || key.org_id !== session.orgId || (session.keyId !== null && key.id !== session.keyId)) throw new ServiceError('not_found', `no key "${id.slice(0, 100)}"`)
    return key
  }
  const handled = (fn: (request: Request) => Promise<Response>) => async ({ request }: { request: Request }) => {
    try {
      return await fn(request)
    } catch (error) {
      if (error instanceof ServiceError) return failure(error)
      return failure(new ServiceError('internal', 'The dashboard request failed.'))
    }
  }
  const read = (fn: (session: DashboardSession, query: URLSearchParams, request: Request) => Promise<Response>) =>
    handled(async (request) => {
      const session = await authenticate(request)
      return session instanceof Response ? session : fn(session, new URL(request.url).searchParams, request)
    })
  const change = (needsAdmin: boolean, fn: (session: DashboardSession, body: Record<string, unknown>, request: Request) => Promise<Response>) =>
    handled(async (request) => {
      const session = await authorizeChange(request, needsAdmin)
      return session instanceof Response ? session : fn(session, await bodyOf(request), request)
    })
  const signIn = (fn: (body: Record<string, unknown>, address: string | undefined) => ReturnType<typeof services.sessions.signIn>) =>
    handled(async (request) => {
      // Login CSRF: a sign-in form on another site must not sign the browser in to an account of its choosing.
      if (!sameOrigin(request)) return failure(new ServiceError('forbidden', 'Sign in from the dashboard page itself (Origin does not match).'))
      const { token, session } = await fn(await bodyOf(request), deps.addressOf(request))
      return json(session.identity, 200, { 'set-cookie': cookieFor(request, token, session.identity.expires_at) })
    })
  // The id segment of /dashboard/api/{keys,requests}/{id}; a malformed escape names nothing, so it is "not found".
  const idOf = (request: Request, what: string) => {
    const segment = new URL(request.url).pathname.split('/')[4] ?? ''
    try {
      return decodeURIComponent(segment)
    } catch {
      throw new ServiceError('not_found', `no ${what} "${segment.slice(0, 100)}"`)
    }
  }
  const keyIdOf = (request: Request) => idOf(request, 'key')
  // Not part of the admin API's OpenAPI document: these answer a browser session, not the admin token.
  const none = { parse: 'none' as const, detail: { hide: true } }

  const page = async () => new Response((await bundle()).html, { headers: { ...SECURITY_HEADERS, 'content-type': 'text/html;charset=utf-8' } })
  const asset = async (request: Request) => {
    const name = decodeURIComponent(new URL(request.url).pathname.slice(ASSET_PREFIX.length))
    const file = (await bundle()).assets.get(name)
    if (!file) return failure(new ServiceError('not_found', 'No such dashboard file.'))
    if (request.headers.get('if-none-match') === file.etag) return new Response(null, { status: 304, headers: { etag: file.etag } })
    // Hashed names: a file's content never changes under its name.
    return new Response(file.body, { headers: { 'content-type': file.contentType, etag: file.etag, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' } })
  }

  return new Elysia({ name: 'dashboard' })
    .get('/dashboard', page, none)
    .get('/dashboard/', page, none)
    .get(`${ASSET_PREFIX}*`, ({ request }) => asset(request), none)
    .post('/dashboard/api/login', signIn((body, address) => services.sessions.signIn(text(body.email) ?? '', text(body.password) ?? '', address)), none)
    .post('/dashboard/api/login/key', signIn((body, address) => services.sessions.signInWithKey(text(body.key) ?? '', address)), none)
    .post(
      '/dashboard/api/invite',
      handled(async (request) => {
        if (!sameOrigin(request)) return failure(new ServiceError('forbidden', 'Accept the invite from the dashboard page itself.'))
        const body = await bodyOf(request)
        const user = await services.users.acceptInvite(text(body.token) ?? '', text(body.password) ?? '')
        return json({ email: user.email })
      }),
      none,
    )
    .post(
      '/dashboard/api/logout',
      handled(async (request) => {
        if (!sameOrigin(request)) return failure(new ServiceError('forbidden', 'Sign out from the dashboard page itself.'))
        const token = sessionToken(request)
        if (token) await services.sessions.signOut(token)
        return json({ signed_out: true }, 200, { 'set-cookie': clearedCookie(overHttps(request)) })
      }),
      none,
    )
    .get('/dashboard/api/session', read(async (session) => json(session.identity)), none)
    .get(
      '/dashboard/api/usage',
      read(async (session, query) => {
        const groupBy = query.get('group_by') ?? 'hour'
        if (!USAGE_GROUPS.has(groupBy)) throw new ServiceError('invalid', `group_by must be one of ${[...USAGE_GROUPS].join(', ')}`)
        const status = query.get('status')
        // Hours are the org's own (its zone's local hours), so its days add up exactly in any zone.
        return jsonText(await services.usage.queryJson({ ...scopedFilter(session, query), group_by: groupBy, time_zone: session.identity.time_zone, ...(status ? { status: status.slice(0, 10) } : {}) }))
      }),
      none,
    )
    .get(
      '/dashboard/api/requests',
      read(async (session, query) => {
        const extra: Record<string, string> = {}
        for (const field of ['cursor', 'limit', 'status', 'cost_status'] as const) {
          const value = query.get(field)
          if (value) extra[field] = value.slice(0, 200)
        }
        return jsonText(await services.usage.requestsJson({ ...scopedFilter(session, query), ...extra }))
      }),
      none,
    )
    .get(
      '/dashboard/api/requests/:id',
      // One request of the session's scope with its cost by token kind; another org's id is "not found".
      read(async (session, _query, request) =>
        jsonText(await services.usage.requestJson({ orgId: session.orgId, keyId: session.keyId, requestId: idOf(request, 'request') })),
      ),
      none,
    )
    .get(
      '/dashboard/api/jobs',
      // The org's jobs, or a key holder's own: the scope is the session's, whatever the query string says.
      read(async (session, query) =>
        jsonText(
          await services.jobs.dashboard({
            orgId: session.orgId,
            keyId: session.keyId,
            ...(query.get('status') ? { status: query.get('status')!.slice(0, 20) } : {}),
            ...(query.get('cursor') ? { cursor: query.get('cursor')! } : {}),
            ...(query.get('limit') ? { limit: query.get('limit')! } : {}),
          }),
        ),
      ),
      none,
    )
    .get(
      '/dashboard/api/budget',
      // The live budget state (with reservations): the org's for its users, the key's own for a key holder.
      read(async (session) =>
        json(session.keyId === null ? { scope: 'org', budget: (await services.orgs.get(session.orgId)).budget } : { scope: 'key', budget: (await scopedKey(session, session.keyId)).budget }),
      ),
      none,
    )
    .get(
      '/dashboard/api/keys',
      read(async (session) => {
        const keys = await services.keys.list(session.orgId)
        return json({ data: session.keyId === null ? keys : keys.filter((key) => key.id === session.keyId) })
      }),
      none,
    )
    .get('/dashboard/api/keys/:id', read(async (session, _query, request) => json(await scopedKey(session, keyIdOf(request)))), none)
    .post('/dashboard/api/keys', change(true, async (session, body) => json(await services.keys.create({ ...keyInput(body), org: session.orgId }), 201)), none)
    .patch(
      '/dashboard/api/keys/:id',
      change(true, async (session, body, request) => json(await services.keys.update((await scopedKey(session, keyIdOf(request))).id, keyInput(body)))),
      none,
    )
    .post(
      '/dashboard/api/keys/:id/revoke',
      change(true, async (session, _body, request) => json(await services.keys.revoke((await scopedKey(session, keyIdOf(request))).id))),
      none,
    )
    // Anything else under the API is this API's 404, not a provider route.
    .all('/dashboard/api/*', () => failure(new ServiceError('not_found', 'No such dashboard API route.')), none)
}
