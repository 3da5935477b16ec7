// The unified API's gateway-answered GETs: /v1/models (+ one), /v1/me, /v1/me/usage, /v1/jobs (+ one), for the calling key only, in OpenAI's error shape.
import { newId } from '../auth/key-format.ts'
import type { CachedKey, KeyCache } from '../auth/key-cache.ts'
import type { ResolvedProvider } from '../config.ts'
import type { OrgRow } from '../db/schema.ts'
import { errorResponse } from '../errors/error-shapes.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Logger } from '../log.ts'
import { openaiErrors } from '../providers/dialects/openai/errors.ts'
import { findClientKey, keyRefusal } from '../proxy/client-key.ts'
import type { RequestTarget } from '../proxy/request-target.ts'
import { UNIFIED_SEGMENT } from '../proxy/routes/unified-route.ts'
import type { UsageQueryInput } from '../services/usage-service.ts'
import type { UsageReport } from '../analytics/usage-reads.ts'
import { StoreError } from '../store/orgs.ts'
import { viewKey } from '../services/views.ts'
import { parseStatus, type JobsPage, type KeyJobView } from '../jobs/jobs-service.ts'
import { localDateText } from '../limits/period.ts'
import { fieldsPricing, providerModels, type CatalogueEntry } from './model-catalogue.ts'
import { findOverride } from '../pricing/overrides.ts'
import type { PriceOverride } from '../pricing/types.ts'

/** What a key's budget reads as now (the admin view of the live ledger), or null without one. */
export interface KeyBudgetView {
  readonly period_start: string
  readonly period_end: string | null
  readonly spent_usd: number
  readonly reserved_usd: number
  readonly remaining_usd: number
}

export interface KeyAnswerDeps {
  readonly providers: ReadonlyMap<string, ResolvedProvider>
  readonly keys: Pick<KeyCache, 'check' | 'markUsed'>
  /** The operator's price overrides in force (global and per org): a listed model shows the one its caller is charged. */
  readonly priceOverrides?: () => readonly PriceOverride[]
  /** Whether a provider has a credential now (only those are listed: the others answer 503). */
  readonly hasCredential: (provider: ResolvedProvider) => boolean
  /** The key's budget in the current period, from the in-memory ledger. */
  readonly keyBudget: (keyId: string) => KeyBudgetView | null
  /** The usage service's report (on the query worker in a gateway). */
  readonly usage: (input: UsageQueryInput) => Promise<UsageReport>
  /** The key's own async jobs, newest first, and one of them by id (undefined: not this key's, or none). */
  readonly jobs: {
    list(keyId: string, options: { status?: ReturnType<typeof parseStatus>; cursor?: string; limit?: number }): Promise<JobsPage<KeyJobView>>
    get(keyId: string, id: string): Promise<KeyJobView | undefined>
  }
  readonly log: Logger
  readonly now?: () => number
  /** Told of every refusal the gateway makes here (metrics, access log), as for proxied requests. */
  readonly onGatewayError?: (code: GatewayError['code'], requestId: string) => void
  /** Told synchronously, before the first await, which key a request is (the access log names it on the line). */
  readonly onKey?: (keyId: string, orgId: string) => void
}

/** The list is rebuilt this often: a price row taking effect (effectiveFrom) shows within the hour. */
const CATALOGUE_TTL_MS = 60 * 60_000

const USAGE_GROUPS = ['day', 'model'] as const

interface KeyListing {
  readonly stamp: string
  readonly text: string
  readonly byId: ReadonlyMap<string, CatalogueEntry>
}

/**
 * `(request, its target as the caller parsed it) => answer`, or undefined when the request is not one of these GETs
 * (the pipeline takes it, with the same parsed target). Every
 * answer is from memory (key cache, price data, the budget ledger) but the usage report, which the usage service
 * reads from the rollups. The key is the caller's own: nothing here takes another key or org as a parameter.
 */
export function createKeyAnswers(deps: KeyAnswerDeps): (request: Request, url: RequestTarget | undefined) => Promise<Response> | undefined {
  const now = deps.now ?? Date.now
  const served = [...new Set(deps.providers.values())].filter((provider) => provider.spec.openAICompatible !== undefined)
  let catalogue: { builtAt: number; generation: number; byProvider: Map<string, CatalogueEntry[]> } | undefined
  let generation = 0
  // A listing per key entry: the cache replaces the CachedKey when the key's row (its allowlist) changes.
  const listings = new WeakMap<CachedKey, KeyListing>()

  const currentCatalogue = () => {
    const at = now()
    if (!catalogue || at - catalogue.builtAt >= CATALOGUE_TTL_MS) {
      const byProvider = new Map(served.map((provider) => [provider.spec.id, providerModels(provider, new Date(at))]))
      catalogue = { builtAt: at, generation: ++generation, byProvider }
    }
    return catalogue
  }

  // The overrides are replaced as a whole when they change (a reload): their identity says whether listings are stale.
  let overrides: readonly PriceOverride[] | undefined
  let overridesGeneration = 0
  const currentOverrides = () => {
    const latest = deps.priceOverrides?.() ?? []
    if (latest !== overrides) {
      overrides = latest
      overridesGeneration++
    }
    return latest
  }

  /** The entry as its caller in `orgId` is charged: an override's price in place of the list price, marked so. */
  const effective = (entry: CatalogueEntry, orgId: string, rules: readonly PriceOverride[], at: Date): CatalogueEntry => {
    const override = rules.length > 0 ? findOverride(rules, entry.provider, entry.model, at, orgId) : undefined
    const pricing = override ? fieldsPricing(override, 'override') : undefined
    if (!pricing) return entry
    return { ...entry, view: { ...entry.view, pricing } }
  }

  const listingFor = (key: CachedKey): KeyListing => {
    const built = currentCatalogue()
    const rules = currentOverrides()
    const credentialed = served.filter((provider) => deps.hasCredential(provider))
    const stamp = `${built.generation}|${overridesGeneration}|${credentialed.map((provider) => provider.spec.id).join(',')}`
    const cached = listings.get(key)
    if (cached?.stamp === stamp) return cached
    // Now, not the catalogue's build time: an override made a moment ago is in force (a future one shows by the next rebuild, within the hour).
    const at = new Date(now())
    const byId = new Map<string, CatalogueEntry>()
    for (const provider of credentialed) {
      for (const entry of built.byProvider.get(provider.spec.id) ?? []) {
        if (key.allows(entry.provider, entry.model)) byId.set(entry.view.id, effective(entry, key.row.orgId, rules, at))
      }
    }
    const listing = { stamp, text: JSON.stringify({ object: 'list', data: [...byId.values()].map((entry) => entry.view) }), byId }
    listings.set(key, listing)
    return listing
  }

  const json = (body: string, requestId: string): Response =>
    new Response(body, { headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-sociaro-request-id': requestId } })

  const oneModel = (key: CachedKey, encoded: string, requestId: string): Response => {
    let id: string | undefined
    try {
      id = encoded.split('/').map((segment) => decodeURIComponent(segment)).join('/')
    } catch {
      id = undefined
    }
    // An alias names the same provider: `google/gemini-2.5-flash` is `gemini/gemini-2.5-flash`.
    const slash = id?.indexOf('/') ?? -1
    const canonical = id && slash > 0 ? deps.providers.get(id.slice(0, slash))?.spec.id : undefined
    const entry = canonical ? listingFor(key).byId.get(`${canonical}${id!.slice(slash)}`) : undefined
    if (!entry) {
      const shown = JSON.stringify((id ?? encoded).slice(0, 128))
      throw new GatewayError('model_not_found', `The model ${shown} does not exist or this key may not use it. Models are named "provider/model"; GET /v1/models lists them.`)
    }
    return json(JSON.stringify(entry.view), requestId)
  }

  const me = (key: CachedKey, org: OrgRow, requestId: string): Response => {
    const view = viewKey(key.row)
    const budget = deps.keyBudget(key.row.id)
    return json(
      JSON.stringify({
        object: 'key',
        id: view.id,
        name: view.name,
        prefix: view.prefix,
        last4: view.last4,
        organization: { id: org.id, name: org.name },
        allowed_models: view.models,
        expires_at: view.expires_at,
        created_at: view.created_at,
        limits: {
          rpm: view.rpm,
          tpm: view.tpm,
          max_concurrency: view.max_concurrency,
          budget_usd: view.budget_usd,
          budget_period: view.budget_period,
          budget_soft_percent: view.budget_soft_percent,
        },
        period: budget
          ? {
              start: budget.period_start,
              end: budget.period_end,
              spend_usd: budget.spent_usd,
              reserved_usd: budget.reserved_usd,
              remaining_usd: budget.remaining_usd,
            }
          : null,
      }),
      requestId,
    )
  }

  const usage = async (key: CachedKey, org: OrgRow, query: string, requestId: string): Promise<Response> => {
    const params = new URLSearchParams(query)
    const groupBy = params.get('group_by') ?? 'day'
    if (!(USAGE_GROUPS as readonly string[]).includes(groupBy)) throw new GatewayError('invalid_parameter', 'group_by must be "day" or "model".')
    // Days are the organization's reporting days, as its budgets' and its dashboard's are.
    const input: UsageQueryInput = { org: org.id, key: key.row.id, group_by: groupBy, time_zone: org.timeZone }
    for (const name of ['from', 'to'] as const) {
      const value = params.get(name)
      if (value !== null && value !== '') input[name] = value.slice(0, 64)
    }
    let report: UsageReport
    try {
      report = await deps.usage(input)
    } catch (error) {
      if (error instanceof StoreError && error.code === 'invalid') throw new GatewayError('invalid_parameter', error.message)
      deps.log.warn('a key usage report failed', { requestId, error: String(error) })
      throw new GatewayError('read_failed', 'The usage report could not be read; try again.')
    }
    // Each row's sums under the name of its group: `day` (the org's local date, with the instant it starts) or `model` (`provider/model`).
    const label =
      groupBy === 'day'
        ? (group: string) => ({ day: localDateText(Date.parse(group), report.time_zone), starts_at: group })
        : (group: string) => ({ model: group })
    const rows = report.data.map(({ group, name: _name, ...sums }) => ({ ...label(group), ...sums }))
    const { group: _group, name: _total, ...totals } = report.totals
    return json(JSON.stringify({ object: 'usage', from: report.from, to: report.to, group_by: groupBy, time_zone: report.time_zone, data: rows, totals }), requestId)
  }

  const jobs = async (key: CachedKey, path: string, query: string, requestId: string): Promise<Response> => {
    if (path.startsWith('/jobs/')) {
      const id = path.slice('/jobs/'.length)
      // Another key's job, or an id that exists nowhere, answers alike: no existence leak.
      const job = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? await deps.jobs.get(key.row.id, id) : undefined
      if (!job) throw new GatewayError('not_found', `No job "${id.slice(0, 64)}" of this key. GET /v1/jobs lists this key's jobs.`)
      return json(JSON.stringify(job), requestId)
    }
    const params = new URLSearchParams(query)
    let status: ReturnType<typeof parseStatus>
    try {
      status = parseStatus(params.get('status') ?? undefined)
    } catch (error) {
      throw new GatewayError('invalid_parameter', (error as Error).message)
    }
    const limitText = params.get('limit')
    const limit = limitText === null ? undefined : Number(limitText)
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 200)) throw new GatewayError('invalid_parameter', 'limit must be a whole number from 1 to 200.')
    const cursor = params.get('cursor') ?? undefined
    try {
      const page = await deps.jobs.list(key.row.id, { ...(status ? { status } : {}), ...(cursor ? { cursor: cursor.slice(0, 256) } : {}), ...(limit ? { limit } : {}) })
      return json(JSON.stringify({ object: 'list', ...page }), requestId)
    } catch (error) {
      if (error instanceof RangeError) throw new GatewayError('invalid_parameter', error.message)
      throw error
    }
  }

  const answer = async (request: Request, path: string, query: string): Promise<Response> => {
    const requestId = newId('req')
    try {
      const secret = findClientKey(request.headers, query, ['bearer'])
      if (!secret) throw new GatewayError('missing_key', 'Missing API key: send your gateway key (gw_live_…) as "Authorization: Bearer".')
      const startedAt = now()
      const check = deps.keys.check(secret, startedAt)
      if (!check.ok) throw keyRefusal(check.reason)
      deps.onKey?.(check.key.row.id, check.org.id)
      deps.keys.markUsed(check.key.row.id, startedAt)
      if (path === '/models') return json(listingFor(check.key).text, requestId)
      if (path.startsWith('/models/')) return oneModel(check.key, path.slice('/models/'.length), requestId)
      if (path === '/me') return me(check.key, check.org, requestId)
      if (path === '/jobs' || path.startsWith('/jobs/')) return await jobs(check.key, path, query, requestId)
      return await usage(check.key, check.org, query, requestId)
    } catch (error) {
      const refusal = error instanceof GatewayError ? error : new GatewayError('read_failed', 'The gateway failed to answer.')
      if (!(error instanceof GatewayError)) deps.log.error('unified answer failed', { requestId, error: String(error) })
      deps.onGatewayError?.(refusal.code, requestId)
      return errorResponse(openaiErrors, refusal, requestId)
    }
  }

  return (request, url) => {
    if (request.method !== 'GET') return undefined
    if (!url || url.provider !== UNIFIED_SEGMENT) return undefined
    const path = url.path
    const one = (prefix: string) => path.startsWith(prefix) && path.length > prefix.length
    if (path !== '/models' && path !== '/me' && path !== '/me/usage' && path !== '/jobs' && !one('/models/') && !one('/jobs/')) return undefined
    return answer(request, path, url.query)
  }
}
