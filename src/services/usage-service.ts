// Usage analytics and the request log: the filter validated here, the reads run where the context says (the query worker in a gateway).
import { GROUPS, type GroupBy } from '../analytics/usage-groups.ts'
import type { JsonText, RequestsPage, UsageReport, UsageScope } from '../analytics/usage-reads.ts'
import { COST_STATUSES } from '../db/schema.ts'
import type { CostStatus } from '../analytics/usage-query.ts'
import { UNIFIED_SEGMENT } from '../proxy/routes/unified-route.ts'
import { StoreError } from '../store/orgs.ts'
import { isValidTimeZone } from '../limits/period.ts'
import { parseIsoDate } from './inputs.ts'
import type { RequestDetail } from '../types/dashboard-api.ts'
import type { ServiceContext } from './service-context.ts'

/** As a caller writes it: names or ids, ISO dates; every field optional (default: the last 30 days, everything). */
export interface UsageFilterInput {
  org?: string
  key?: string
  provider?: string
  model?: string
  from?: string
  to?: string
  /** The end-user id requests carried (exactly). */
  user?: string
  /** One tag requests carried. */
  tag?: string
}

export interface UsageQueryInput extends UsageFilterInput {
  /** Default "day". */
  group_by?: string
  /** IANA zone whose local hours and days the report follows (an org's reporting zone); default UTC. */
  time_zone?: string
  /** "ok" (status below 400) or "error" (400 and above). */
  status?: string
}

export interface RequestsQueryInput extends UsageFilterInput {
  /** 1 to 500, default 50. */
  limit?: string | number
  cursor?: string
  /** "ok" (status below 400) or "error" (400 and above). */
  status?: string
  /** One of the stored cost statuses (priced, estimated, unpriced, no_usage, mock, refused). */
  cost_status?: string
}

const DEFAULT_WINDOW_MS = 30 * 86_400_000

export interface UsageService {
  /** Sums from the hourly/daily rollups, grouped, with totals. */
  query(input: UsageQueryInput): Promise<UsageReport>
  /** The same as JSON text, for an adapter that sends it on as it is (in a gateway it never exists as objects on the proxy thread). */
  queryJson(input: UsageQueryInput): Promise<JsonText<UsageReport>>
  /** Newest first, with a cursor for the next page. */
  requests(input: RequestsQueryInput): Promise<RequestsPage>
  requestsJson(input: RequestsQueryInput): Promise<JsonText<RequestsPage>>
  /** One stored request of a scope (org id, key id for a key holder) with its cost by token kind. */
  requestJson(input: { orgId: string; keyId?: string | null; requestId: string }): Promise<JsonText<RequestDetail>>
}

/** A status filter: "ok" (status below 400) or "error" (400 and above), or none. */
function checkOutcome(status: string | undefined): void {
  if (status && status !== 'ok' && status !== 'error') throw new StoreError('invalid', 'status must be "ok" or "error"')
}

export function createUsageService<B>(ctx: ServiceContext<B>): UsageService {
  const scope = (input: UsageFilterInput): UsageScope => {
    const now = ctx.now()
    const from = input.from ? parseIsoDate(input.from, 'from') : now - DEFAULT_WINDOW_MS
    const to = input.to ? parseIsoDate(input.to, 'to') : now + 1
    if (from >= to) throw new StoreError('invalid', '"from" must be before "to"')
    const result: UsageScope = { from, to }
    if (input.org) result.org = input.org
    if (input.key) result.key = input.key
    if (input.provider) {
      // The unified endpoint's own rows (refused before a provider was known) are filed under its segment.
      const id = input.provider === UNIFIED_SEGMENT ? UNIFIED_SEGMENT : ctx.canonicalProvider(input.provider)
      if (!id) throw new StoreError('invalid', `unknown provider "${input.provider}"`)
      result.provider = id
    }
    if (input.model) result.model = input.model
    if (input.user) result.user = String(input.user).slice(0, 200)
    if (input.tag) result.tag = String(input.tag).slice(0, 200)
    return result
  }
  const usageQuery = (input: UsageQueryInput) => {
    const groupBy = (input.group_by ?? 'day') as GroupBy
    if (!GROUPS.includes(groupBy)) throw new StoreError('invalid', `group_by must be one of ${GROUPS.join(', ')}`)
    checkOutcome(input.status)
    const timeZone = input.time_zone || 'UTC'
    if (timeZone.length > 64 || !isValidTimeZone(timeZone)) throw new StoreError('invalid', 'time_zone must be an IANA time zone such as "Europe/Berlin"')
    return { ...scope(input), groupBy, timeZone, ...(input.status ? { outcome: input.status as 'ok' | 'error' } : {}) }
  }
  const requestsQuery = (input: RequestsQueryInput) => {
    const limit = Math.min(500, Math.max(1, Number(input.limit ?? 50) || 50))
    checkOutcome(input.status)
    if (input.cost_status && !(COST_STATUSES as readonly string[]).includes(input.cost_status)) throw new StoreError('invalid', `cost_status must be one of ${COST_STATUSES.join(', ')}`)
    return {
      ...scope(input),
      limit,
      ...(input.cursor ? { cursor: input.cursor } : {}),
      ...(input.status ? { outcome: input.status as 'ok' | 'error' } : {}),
      ...(input.cost_status ? { costStatus: input.cost_status as CostStatus } : {}),
    }
  }
  return {
    query: async (input) => ctx.reads.usage(usageQuery(input)),
    queryJson: async (input) => ctx.reads.usageJson(usageQuery(input)),
    requests: async (input) => ctx.reads.requests(requestsQuery(input)),
    requestsJson: async (input) => ctx.reads.requestsJson(requestsQuery(input)),
    requestJson: async (input) => {
      const requestId = String(input.requestId ?? '').slice(0, 200)
      if (!requestId) throw new StoreError('invalid', 'a request id is required')
      return ctx.reads.requestJson({ requestId, orgId: input.orgId, ...(input.keyId ? { keyId: input.keyId } : {}), overrides: [...(ctx.priceOverrides?.() ?? [])] })
    },
  }
}
