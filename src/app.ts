// createApp(deps): the whole HTTP surface in request order: health, admin API (+ OpenAPI), then the provider pass-through.
import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import { ADMIN_PREFIX, createAdminGate, unknownAdminRoute } from './admin/admin-gate.ts'
import { adminRoutes, disabledAdminRoutes, type AdminDeps } from './admin/routes.ts'
import { newId } from './auth/key-format.ts'
import { errorResponse } from './errors/error-shapes.ts'
import { GatewayError } from './errors/gateway-error.ts'
import { ServiceError, serviceErrorResponse } from './errors/service-error.ts'
import { healthRoutes, type HealthDeps } from './health.ts'
import { openaiErrors } from './providers/dialects/openai/errors.ts'

// Elysia's generic parameters track every route; only the dynamically added routes (extra routes, catch-alls, proxy) are added through it.
export type AnyElysia = Elysia<any, any, any, any, any, any, any>

const OPENAPI_PATH = `${ADMIN_PREFIX}/openapi`
const OPENAPI_PAGE_GONE = `No viewer page is served (it would load its script from the internet). The OpenAPI document is at ${OPENAPI_PATH}/json, with the same admin token; open it in any OpenAPI viewer.`

export interface AppDeps {
  readonly health: HealthDeps
  readonly admin: AdminDeps
  readonly proxy: (request: Request, server: Bun.Server<unknown> | null) => Promise<Response>
  readonly extraRoutes?: readonly AnyElysia[]
}

export function createApp(deps: AppDeps) {
  const base = new Elysia({ name: 'sociaro' })
    .onError(({ code }) => {
      // Anything no route matches (e.g. "/openai" with no path) still answers in JSON, in OpenAI's shape.
      if (code === 'NOT_FOUND') {
        const message = 'Not found. Provider routes look like /{provider}/{upstream path}, e.g. /openai/v1/chat/completions.'
        return errorResponse(openaiErrors, new GatewayError('not_found', message), newId('req'))
      }
    })
    .use(healthRoutes(deps.health))
  const token = deps.admin.adminToken
  if (!token) return withPassThrough(base.use(disabledAdminRoutes(deps.admin.log)), deps)
  // onRequest runs before routing and body parsing: no validation detail, no OpenAPI, no body read without the token.
  const gate = createAdminGate(token)
  const admin = base
    .onRequest(({ request }) => gate(request))
    .use(
      openapi({
        path: OPENAPI_PATH,
        // No viewer page: the plugin's page loads its script from a CDN (blank offline) and a browser cannot send the token anyway.
        provider: null,
        documentation: { info: { title: 'Sociaro admin API', version: '1' } },
        exclude: { paths: [/^\/:provider/, '/healthz', '/readyz', '/metrics'] },
      }),
    )
    .get(OPENAPI_PATH, () => serviceErrorResponse(new ServiceError('not_found', OPENAPI_PAGE_GONE)), { detail: { hide: true } })
    .use(adminRoutes({ ...deps.admin, adminToken: token }))
  // Without this an unknown admin path falls through to the pass-through below, which would call "admin" a provider.
  for (const path of [ADMIN_PREFIX, `${ADMIN_PREFIX}/*`]) admin.all(path, ({ request }) => unknownAdminRoute(request), { parse: 'none', detail: { hide: true } })
  return withPassThrough(admin, deps)
}

/**
 * Adds the extra routes and the provider pass-through to `app` (Elysia's route methods add to the instance they are
 * called on) and hands `app` back with its own type: the admin routes stay typed, only these are left out of it.
 */
function withPassThrough<App extends AnyElysia>(app: App, deps: AppDeps): App {
  const untyped: AnyElysia = app
  for (const routes of deps.extraRoutes ?? []) untyped.use(routes)
  // parse: 'none' keeps the body unread so the proxy forwards the exact bytes the client sent.
  untyped.all('/:provider/*', (context: { [key: string]: any }) => deps.proxy(context.request as Request, context.server as Bun.Server<unknown> | null), {
    parse: 'none',
  })
  return app
}
