// The admin HTTP API under /admin/v1: orgs, keys and provider credentials, behind the admin token; a thin adapter over the services.
import { Elysia, t, type Static, type TSchema } from 'elysia'
import type { Logger } from '../log.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { readBody } from '../proxy/read-body.ts'
import type { Services } from '../services/services.ts'
import { createAdminCheck } from './admin-auth.ts'
import { ServiceError, serviceErrorResponse } from '../errors/service-error.ts'
import { ADMIN_MAX_BODY_BYTES, ADMIN_TOKEN_REQUIRED, tooLarge } from './admin-gate.ts'
import {
  BudgetSchema,
  CreatedKeySchema,
  CredentialStoredSchema,
  KeySchema,
  KeyWithBudgetSchema,
  OrgSchema,
  OrgWithBudgetSchema,
  ProvidersSchema,
  responses,
  WebhookInputSchema,
  WebhookSchema,
  DeliveriesSchema,
  DeliverySchema,
} from './admin-schemas.ts'
import { jobRoutes } from './job-routes.ts'
import { usageRoutes } from './usage-routes.ts'
import { userRoutes } from './user-routes.ts'

/** The live budget state the admin API shows (limits/ ledger, with reservations). */
export type AdminBudget = NonNullable<Static<typeof BudgetSchema>>

export interface AdminDeps {
  readonly adminToken?: string
  /** Validation, the store, change events and views: the routes only map HTTP onto them. */
  readonly services: Services<AdminBudget>
  readonly log: Logger
  /** Why the database cannot take writes (its file was deleted or replaced): changes are refused while it is set. */
  readonly databaseProblem?: () => string | undefined
}

const nullable = <T extends TSchema>(schema: T) => t.Optional(t.Union([schema, t.Null()]))

const limitFields = {
  stream_usage: nullable(t.Union([t.Literal('estimate'), t.Literal('inject')])),
  budget_usd: nullable(t.Union([t.Number({ minimum: 0 }), t.String()])),
  budget_period: nullable(t.String()),
  budget_soft_percent: nullable(t.Integer({ minimum: 1, maximum: 100 })),
}
const keyFields = {
  name: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  models: t.Optional(t.Array(t.String(), { minItems: 1, maxItems: 200 })),
  expires_at: nullable(t.String()),
  rpm: nullable(t.Integer({ minimum: 1 })),
  tpm: nullable(t.Integer({ minimum: 1 })),
  max_concurrency: nullable(t.Integer({ minimum: 1 })),
  ...limitFields,
}

/** Without an admin token every admin path answers 404 and says why. */
export function disabledAdminRoutes(log: Logger) {
  log.warn('admin API disabled: SOCIARO_ADMIN_TOKEN is not set')
  return new Elysia({ name: 'admin', prefix: '/admin/v1' }).all(
    '/*',
    () => serviceErrorResponse(new ServiceError('not_found', 'The admin API is disabled: set SOCIARO_ADMIN_TOKEN to enable it.')),
    { parse: 'none' },
  )
}

/** The admin app with every route's types kept (bodies, queries, responses): a typed client can be built on `AdminApi`. */
export type AdminApi = ReturnType<typeof adminRoutes>

export function adminRoutes(deps: AdminDeps & { readonly adminToken: string }) {
  const app = new Elysia({ name: 'admin', prefix: '/admin/v1' })
  const authorized = createAdminCheck(deps.adminToken)
  const services = deps.services

  return app
    // The admin gate (app.ts) has refused bad tokens and declared oversize bodies before routing; this read bounds chunked ones.
    .onParse(async ({ request, contentType }) => {
      const bytes = await readBody(request, ADMIN_MAX_BODY_BYTES)
      if (bytes === undefined) return undefined
      const text = new TextDecoder().decode(bytes)
      return contentType === 'application/json' || contentType.endsWith('+json') ? JSON.parse(text) : text
    })
    // Kept behind the gate as a second check: routing decisions here must not depend on the gate's URL test alone.
    .onBeforeHandle(({ request }) => {
      if (!authorized(request.headers.get('authorization'))) return serviceErrorResponse(new ServiceError('unauthorized', ADMIN_TOKEN_REQUIRED))
      // A change stored in a deleted file would be reported done and vanish at the next start.
      const problem = request.method === 'GET' || request.method === 'HEAD' ? undefined : deps.databaseProblem?.()
      if (problem) return serviceErrorResponse(new ServiceError('database_unavailable', problem))
    })
    // Every failure leaves as a ServiceError: Elysia's own (validation, parse, routing) are translated to one here.
    .onError(({ error, code, request }) => {
      if (error instanceof ServiceError) return serviceErrorResponse(error)
      // A response that breaks its own schema is the gateway's fault, not the caller's.
      if (code === 'VALIDATION' && error.type === 'response') {
        deps.log.error('admin response broke its schema', { error: error.message.slice(0, 2000) })
        return serviceErrorResponse(new ServiceError('internal', 'The admin operation failed.'))
      }
      if (code === 'VALIDATION') return serviceErrorResponse(new ServiceError('invalid', (error as Error).message))
      if (code === 'NOT_FOUND') return serviceErrorResponse(new ServiceError('not_found', 'No such admin route.'))
      if (code === 'PARSE' && error.cause instanceof GatewayError && error.cause.code === 'body_too_large') return tooLarge(request)
      if (code === 'PARSE') return serviceErrorResponse(new ServiceError('invalid', 'The request body is not valid JSON.'))
      deps.log.error('admin API failure', { error: String(error) })
      return serviceErrorResponse(new ServiceError('internal', 'The admin operation failed.'))
    })
    .get('/orgs', async () => ({ data: await services.orgs.list() }), { response: responses({ 200: t.Object({ data: t.Array(OrgWithBudgetSchema) }) }), detail: { summary: 'List organizations', tags: ['orgs'] } })
    .post(
      '/orgs',
      async ({ body, set }) => {
        const view = await services.orgs.create(body)
        set.status = 201
        return view
      },
      { body: t.Object({ name: t.String({ minLength: 1, maxLength: 64 }), time_zone: t.Optional(t.String()), ...limitFields }), response: responses({ 201: OrgSchema }), detail: { summary: 'Create an organization', tags: ['orgs'] } },
    )
    .get('/orgs/:org', ({ params }) => services.orgs.get(params.org), { response: responses({ 200: OrgWithBudgetSchema }), detail: { summary: 'Show an organization (by id or name) with its current-period spend', tags: ['orgs'] } })
    .patch('/orgs/:org', ({ params, body }) => services.orgs.update(params.org, body), {
      body: t.Object({ time_zone: t.Optional(t.String()), ...limitFields }),
      response: responses({ 200: OrgSchema }),
      detail: { summary: 'Update an organization', tags: ['orgs'] },
    })
    .get('/orgs/:org/webhook', ({ params }) => services.webhooks.get(params.org), { response: responses({ 200: WebhookSchema }), detail: { summary: "Show an organization's job webhook URL (never its secret)", tags: ['orgs'] } })
    .put('/orgs/:org/webhook', ({ params, body }) => services.webhooks.set(params.org, body), {
      body: WebhookInputSchema,
      response: responses({ 200: WebhookSchema }),
      detail: { summary: 'Set the job webhook: every settled job is POSTed there, signed (HMAC-SHA256), retried with backoff', tags: ['orgs'] },
    })
    .delete('/orgs/:org/webhook', ({ params }) => services.webhooks.clear(params.org), { response: responses({ 200: WebhookSchema }), detail: { summary: 'Remove the job webhook (pending deliveries are given up)', tags: ['orgs'] } })
    .get('/orgs/:org/webhook/deliveries', ({ params, query }) => services.webhooks.deliveries(params.org, query), {
      query: t.Object({ state: t.Optional(t.String()), cursor: t.Optional(t.String()), limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })) }),
      response: responses({ 200: DeliveriesSchema }),
      detail: { summary: "List the organization's job webhook deliveries, newest first, with their state and attempts", tags: ['orgs'] },
    })
    .post(
      '/orgs/:org/webhook/deliveries/:job/redeliver',
      async ({ params, set }) => {
        const delivery = await services.webhooks.redeliver(params.org, params.job)
        set.status = 202
        return delivery
      },
      { response: responses({ 202: DeliverySchema }), detail: { summary: "Announce one of the organization's settled jobs again, now (its current view, signed anew)", tags: ['orgs'] } },
    )
    .get('/keys', async ({ query }) => ({ data: await services.keys.list(query.org) }), {
      query: t.Object({ org: t.Optional(t.String()) }),
      response: responses({ 200: t.Object({ data: t.Array(KeyWithBudgetSchema) }) }),
      detail: { summary: 'List gateway keys (never their secrets)', tags: ['keys'] },
    })
    .post(
      '/keys',
      async ({ body, set }) => {
        const view = await services.keys.create(body)
        set.status = 201
        return view
      },
      { body: t.Object({ org: t.String({ minLength: 1 }), ...keyFields }), response: responses({ 201: CreatedKeySchema }), detail: { summary: 'Create a gateway key; the secret is returned once', tags: ['keys'] } },
    )
    .get('/keys/:id', ({ params }) => services.keys.get(params.id), { response: responses({ 200: KeyWithBudgetSchema }), detail: { summary: 'Show a gateway key with its current-period spend', tags: ['keys'] } })
    .patch('/keys/:id', ({ params, body }) => services.keys.update(params.id, body), {
      body: t.Object(keyFields),
      response: responses({ 200: KeySchema }),
      detail: { summary: 'Update a gateway key; takes effect at once', tags: ['keys'] },
    })
    .post('/keys/:id/revoke', ({ params }) => services.keys.revoke(params.id), { response: responses({ 200: KeySchema }), detail: { summary: 'Revoke a gateway key; takes effect at once', tags: ['keys'] } })
    .get('/providers', async () => ({ data: await services.providers.list() }), { response: responses({ 200: ProvidersSchema }), detail: { summary: 'List providers and whether each has a credential', tags: ['providers'] } })
    .put('/providers/:provider/credential', ({ params, body }) => services.providers.setCredential(params.provider, body.secret), {
      body: t.Object({ secret: t.String({ minLength: 1 }) }),
      response: responses({ 200: CredentialStoredSchema }),
      detail: { summary: 'Store a provider credential (encrypted at rest)', tags: ['providers'] },
    })
    .use(usageRoutes(services))
    .use(jobRoutes(services.jobs))
    .use(userRoutes(services))
}
