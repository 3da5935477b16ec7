// The analytics reads behind the usage service: names → ids, then the rollup report or a request-log page, run directly.
import type { Client } from '@libsql/client'
import type { Db } from '../db/client.ts'
import { requireOrg } from '../store/orgs.ts'
import { builtInProvider, type ProviderDirectory } from '../providers/registry.ts'
import type { DashboardJobsPage, RequestDetail } from '../types/dashboard-api.ts'
import { requestDetail, type RequestDetailQuery } from './cost-breakdown.ts'
import { dashboardJobs, type JobsQuery } from './job-reads.ts'
import { resolveKeyId, resolveModel } from './filter-names.ts'
import { queryRequests, queryUsage, type CostStatus, type GroupBy, type RequestLogEntry, type UsageFilter, type UsageRow } from './usage-query.ts'

/** A validated filter: times in ms, the provider canonical; org, key and model still as the caller named them. */
export interface UsageScope {
  from: number
  to: number
  /** Id or name. */
  org?: string
  /** Id, name or the display form `gw_live_abcd…wxyz`. */
  key?: string
  /** Canonical provider id. */
  provider?: string
  /** "provider/model" as the report prints it, or the provider's own model name. */
  model?: string
  /** The end-user id requests carried, exactly. */
  user?: string
  /** One tag. */
  tag?: string
}

export interface UsageQuery extends UsageScope {
  groupBy: GroupBy
  /** IANA zone whose local hours and days the report follows (exact for half- and quarter-hour zones); default UTC. */
  timeZone?: string
  /** ok or error (HTTP status below 400, or 400 and above). */
  outcome?: 'ok' | 'error'
}

export interface RequestsQuery extends UsageScope {
  /** 1 to 500. */
  limit: number
  cursor?: string
  outcome?: 'ok' | 'error'
  costStatus?: CostStatus
}

/** A usage report as the API answers it. */
export interface UsageReport {
  group_by: GroupBy
  /** The zone whose calendar days a `day` grouping's groups start (each group is its day's first instant). */
  time_zone: string
  /** ISO 8601. */
  from: string
  to: string
  data: UsageRow[]
  totals: UsageRow
}

export interface RequestsPage {
  data: RequestLogEntry[]
  next_cursor: string | null
}

/** A JSON document of type T, serialized where it was produced: an HTTP adapter passes it on without parsing it. */
export type JsonText<T> = string & { readonly __jsonOf?: T }

/**
 * Where the usage service's reads run: here (CLI, tests) or on the query worker (the gateway, off the proxy thread).
 * The JSON forms exist because a big answer's serialization (and its schema check) would otherwise be done on the
 * proxy thread: the query worker does both and hands over one string.
 */
export interface UsageReads {
  usage(query: UsageQuery): Promise<UsageReport>
  usageJson(query: UsageQuery): Promise<JsonText<UsageReport>>
  requests(query: RequestsQuery): Promise<RequestsPage>
  requestsJson(query: RequestsQuery): Promise<JsonText<RequestsPage>>
  /** The dashboard's jobs page (in flight first): up to 200 rows plus three status walks, kept off the proxy thread too. */
  jobsJson(query: JobsQuery): Promise<JsonText<DashboardJobsPage>>
  /** One stored request with its cost by token kind (priced beside repricing, off the proxy thread). */
  requestJson(query: RequestDetailQuery): Promise<JsonText<RequestDetail>>
}

/** Names and printed labels → the filter's ids; a name that matches nothing is an error, never an empty report. */
export async function resolveScope(db: Db, scope: UsageScope): Promise<UsageFilter> {
  const filter: UsageFilter = { from: scope.from, to: scope.to }
  if (scope.org) filter.orgId = (await requireOrg(db, scope.org)).id
  if (scope.key) filter.keyId = await resolveKeyId(db, scope.key, filter.orgId)
  if (scope.provider) filter.provider = scope.provider
  if (scope.model) Object.assign(filter, await resolveModel(db, scope.model, filter.provider))
  if (scope.user !== undefined) filter.user = scope.user
  if (scope.tag !== undefined) filter.tag = scope.tag
  return filter
}

/** Runs on the calling thread: for the CLI (its own process) and inside the query worker. */
/** `providers`: every provider served (default the built-in ones): a request's cost split prices by its provider's pricing id. */
export function directUsageReads(db: Db, client: Client, providers: ProviderDirectory = builtInProvider): UsageReads {
  const usage = async (query: UsageQuery): Promise<UsageReport> => {
    const filter = await resolveScope(db, query)
    const timeZone = query.timeZone ?? 'UTC'
    if (query.outcome) filter.outcome = query.outcome
    const result = await queryUsage(client, filter, query.groupBy, timeZone === 'UTC' ? undefined : timeZone)
    return { group_by: query.groupBy, time_zone: timeZone, from: new Date(filter.from).toISOString(), to: new Date(filter.to).toISOString(), ...result }
  }
  const requests = async (query: RequestsQuery): Promise<RequestsPage> => {
    const filter = await resolveScope(db, query)
    return queryRequests(client, {
      ...filter,
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.outcome ? { outcome: query.outcome } : {}),
      ...(query.costStatus ? { costStatus: query.costStatus } : {}),
    })
  }
  return {
    usage,
    requests,
    usageJson: async (query) => JSON.stringify(await usage(query)),
    requestsJson: async (query) => JSON.stringify(await requests(query)),
    jobsJson: async (query) => JSON.stringify(await dashboardJobs(client, query)),
    requestJson: async (query) => JSON.stringify(await requestDetail(client, query, providers)),
  }
}
