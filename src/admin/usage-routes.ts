// Admin API for money: usage analytics, the request log, price overrides and repricing.
import type { Client } from '@libsql/client'
import { Elysia, t } from 'elysia'
import { resolveKeyId, resolveModel } from '../analytics/filter-names.ts'
import { GROUPS, queryRequests, queryUsage, type GroupBy, type UsageFilter } from '../analytics/usage-query.ts'
import type { Db } from '../db/client.ts'
import { priceFieldsFromInput, priceInputFromFields } from '../pricing/override-input.ts'
import type { PriceFields } from '../pricing/types.ts'
import type { RepriceRange, RepriceResult } from '../types/reprice.ts'
import { requireOrg, StoreError } from '../store/orgs.ts'
import { createPriceOverride, deletePriceOverride, listPriceOverrides } from '../store/price-overrides.ts'
import { DeletedSchema, PriceSchema, RepriceSchema, RequestsSchema, responses, UsageSchema } from './admin-schemas.ts'
import { parseIsoDate } from './inputs.ts'

export interface UsageRouteDeps {
  readonly db: Db
  readonly client: Client
  readonly canonicalProvider: (name: string) => string | undefined
  /** Reloads the overrides in force; resolves once the metering worker prices with them. */
  readonly pricesChanged: () => Promise<void>
  /** Recomputes stored costs with every override in force (database and config file); on the worker when it runs. */
  readonly reprice: (range: RepriceRange) => Promise<RepriceResult>
}

const filterQuery = {
  org: t.Optional(t.String()),
  key: t.Optional(t.String()),
  provider: t.Optional(t.String()),
  model: t.Optional(t.String()),
  from: t.Optional(t.String()),
  to: t.Optional(t.String()),
}

/** Shared by the API and the CLI: names and printed labels → ids, ISO → ms, defaults to the last 30 days; a name that matches nothing is an error. */
export async function resolveFilter(db: Db, canonical: (name: string) => string | undefined, q: Record<string, string | undefined>, now = Date.now()): Promise<UsageFilter> {
  const filter: UsageFilter = {
    from: q.from ? parseIsoDate(q.from, 'from') : now - 30 * 86_400_000,
    to: q.to ? parseIsoDate(q.to, 'to') : now + 1,
  }
  if (filter.from >= filter.to) throw new StoreError('invalid', '"from" must be before "to"')
  if (q.org) filter.orgId = (await requireOrg(db, q.org)).id
  if (q.key) filter.keyId = await resolveKeyId(db, q.key, filter.orgId)
  if (q.provider) {
    const id = canonical(q.provider)
    if (!id) throw new StoreError('invalid', `unknown provider "${q.provider}"`)
    filter.provider = id
  }
  if (q.model) Object.assign(filter, await resolveModel(db, q.model, filter.provider))
  return filter
}

function priceView(row: { id: string; orgId: string | null; provider: string; modelPattern: string; prices: string; createdAt: number }) {
  return {
    id: row.id,
    org_id: row.orgId,
    provider: row.provider,
    model: row.modelPattern,
    ...priceInputFromFields(JSON.parse(row.prices) as PriceFields),
    created_at: new Date(row.createdAt).toISOString(),
  }
}

const usd = t.Optional(t.Union([t.Number({ minimum: 0 }), t.String()]))

export function usageRoutes(deps: UsageRouteDeps) {
  return new Elysia({ name: 'admin-usage' })
    .get(
      '/usage',
      async ({ query }) => {
        const groupBy = (query.group_by ?? 'day') as GroupBy
        if (!GROUPS.includes(groupBy)) throw new StoreError('invalid', `group_by must be one of ${GROUPS.join(', ')}`)
        const filter = await resolveFilter(deps.db, deps.canonicalProvider, query)
        const result = await queryUsage(deps.client, filter, groupBy)
        return { group_by: groupBy, from: new Date(filter.from).toISOString(), to: new Date(filter.to).toISOString(), ...result }
      },
      { query: t.Object({ ...filterQuery, group_by: t.Optional(t.String()) }), response: responses({ 200: UsageSchema }), detail: { summary: 'Usage and cost from the hourly/daily rollups', tags: ['usage'] } },
    )
    .get(
      '/requests',
      async ({ query }) => {
        const filter = await resolveFilter(deps.db, deps.canonicalProvider, query)
        const limit = Math.min(500, Math.max(1, Number(query.limit ?? 50) || 50))
        return queryRequests(deps.client, { ...filter, limit, ...(query.cursor ? { cursor: query.cursor } : {}) })
      },
      {
        query: t.Object({ ...filterQuery, limit: t.Optional(t.String()), cursor: t.Optional(t.String()) }),
        response: responses({ 200: RequestsSchema }),
        detail: { summary: 'Recent requests, newest first, with a cursor for the next page', tags: ['usage'] },
      },
    )
    .get('/prices', async () => ({ data: (await listPriceOverrides(deps.db)).map(priceView) }), { response: responses({ 200: t.Object({ data: t.Array(PriceSchema) }) }), detail: { summary: 'List price overrides', tags: ['prices'] } })
    .post(
      '/prices',
      async ({ body, set }) => {
        const provider = body.provider === '*' ? '*' : deps.canonicalProvider(body.provider)
        if (!provider) throw new StoreError('invalid', `unknown provider "${body.provider}"`)
        const orgId = body.org ? (await requireOrg(deps.db, body.org)).id : null
        let fields: PriceFields
        try {
          fields = priceFieldsFromInput(body)
        } catch (error) {
          throw new StoreError('invalid', (error as Error).message)
        }
        const row = await createPriceOverride(deps.db, { orgId, provider, modelPattern: body.model, fields })
        // Answered once in force: a request sent after this answer is priced with the new override.
        await deps.pricesChanged()
        set.status = 201
        return priceView(row)
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
      async ({ params }) => {
        await deletePriceOverride(deps.db, params.id)
        await deps.pricesChanged()
        return { deleted: params.id }
      },
      { response: responses({ 200: DeletedSchema }), detail: { summary: 'Remove a price override', tags: ['prices'] } },
    )
    .post(
      '/reprice',
      async ({ body }) => {
        const from = parseIsoDate(body.from, 'from')
        const to = parseIsoDate(body.to, 'to')
        const orgId = body.org ? (await requireOrg(deps.db, body.org)).id : undefined
        return deps.reprice({ from, to, ...(orgId ? { orgId } : {}) })
      },
      { body: t.Object({ from: t.String(), to: t.String(), org: t.Optional(t.String()) }), response: responses({ 200: RepriceSchema }), detail: { summary: 'Recompute stored costs over a time range with current prices', tags: ['prices'] } },
    )
}
