// Admin API for money: usage analytics, the request log, price overrides and repricing; a thin adapter over the services.
import { Elysia, t } from 'elysia'
import type { Services } from '../services/services.ts'
import { DeletedSchema, PriceSchema, RepriceSchema, RequestsSchema, responses, UsageSchema } from './admin-schemas.ts'

const filterQuery = {
  org: t.Optional(t.String()),
  key: t.Optional(t.String()),
  provider: t.Optional(t.String()),
  model: t.Optional(t.String()),
  from: t.Optional(t.String()),
  to: t.Optional(t.String()),
  /** The end-user id requests carried (x-sociaro-user), exactly. */
  user: t.Optional(t.String({ maxLength: 256 })),
  /** One tag requests carried (x-sociaro-tags). */
  tag: t.Optional(t.String({ maxLength: 256 })),
}

/** An answer already serialized (and schema-checked) by the query worker, sent on as it is. */
const jsonAnswer = (json: string) => new Response(json, { headers: { 'content-type': 'application/json' } })

const usd = t.Optional(t.Union([t.Number({ minimum: 0 }), t.String()]))

export function usageRoutes<B>(services: Services<B>) {
  return new Elysia({ name: 'admin-usage' })
    .get(
      '/usage',
      async ({ query }) => jsonAnswer(await services.usage.queryJson(query)),
      {
        query: t.Object({ ...filterQuery, group_by: t.Optional(t.String()), time_zone: t.Optional(t.String()), status: t.Optional(t.String()) }),
        response: responses({ 200: UsageSchema }),
        detail: { summary: 'Usage and cost from the rollups (hours and days in time_zone, default UTC; user, tag and status=ok|error filter the split rollups)', tags: ['usage'] },
      },
    )
    .get(
      '/requests',
      async ({ query }) => jsonAnswer(await services.usage.requestsJson(query)),
      {
        query: t.Object({ ...filterQuery, limit: t.Optional(t.String()), cursor: t.Optional(t.String()), status: t.Optional(t.String()), cost_status: t.Optional(t.String()) }),
        response: responses({ 200: RequestsSchema }),
        detail: { summary: 'Recent requests, newest first, with a cursor for the next page', tags: ['usage'] },
      },
    )
    .get('/prices', async () => ({ data: await services.prices.list() }), { response: responses({ 200: t.Object({ data: t.Array(PriceSchema) }) }), detail: { summary: 'List price overrides', tags: ['prices'] } })
    .post(
      '/prices',
      async ({ body, set }) => {
        // Answered once in force: a request sent after this answer is priced with the new override.
        const view = await services.prices.create(body)
        set.status = 201
        return view
      },
      {
        body: t.Object({
          org: t.Optional(t.String()),
          provider: t.String({ minLength: 1 }),
          model: t.String({ minLength: 1, maxLength: 200 }),
          input_usd_per_mtok: usd,
          output_usd_per_mtok: usd,
          cache_read_usd_per_mtok: usd,
          cache_write_usd_per_mtok: usd,
          usd_per_image: usd,
          usd_per_video_second: usd,
        }),
        response: responses({ 201: PriceSchema }),
        detail: { summary: 'Add a price override (global, or for one org): negotiated rates and custom models', tags: ['prices'] },
      },
    )
    .delete(
      '/prices/:id',
      ({ params }) => services.prices.remove(params.id),
      { response: responses({ 200: DeletedSchema }), detail: { summary: 'Remove a price override', tags: ['prices'] } },
    )
    .post(
      '/reprice',
      ({ body }) => services.prices.reprice(body),
      { body: t.Object({ from: t.String(), to: t.String(), org: t.Optional(t.String()) }), response: responses({ 200: RepriceSchema }), detail: { summary: 'Recompute stored costs over a time range with current prices', tags: ['prices'] } },
    )
}
