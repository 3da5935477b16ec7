// The messages between the proxy thread and the query worker: one request kind per heavy admin read (or write), each answered.
import type { ServiceErrorCode } from '../errors/service-error.ts'
import type { PriceOverride } from '../pricing/types.ts'
import type { ProviderOrigin } from '../providers/spec.ts'
import type { RepriceRange, RepriceResult } from '../types/reprice.ts'
import type { DashboardJobsPage, RequestDetail } from '../types/dashboard-api.ts'
import type { RequestDetailQuery } from './cost-breakdown.ts'
import type { JobsQuery } from './job-reads.ts'
import type { RequestsPage, RequestsQuery, UsageQuery, UsageReport } from './usage-reads.ts'

/** Every request the query worker answers, with its argument and its result. */
export interface QueryKinds {
  usage: { readonly argument: UsageQuery; readonly result: UsageReport }
  requests: { readonly argument: RequestsQuery; readonly result: RequestsPage }
  /** The dashboard's jobs page. */
  jobs: { readonly argument: JobsQuery; readonly result: DashboardJobsPage }
  /** One request with its cost by token kind. */
  request: { readonly argument: RequestDetailQuery; readonly result: RequestDetail }
  /** Only while the metering worker is off: otherwise it reprices, beside the usage writes it owns. */
  reprice: { readonly argument: { range: RepriceRange; overrides: PriceOverride[] }; readonly result: RepriceResult }
}
export type QueryKind = keyof QueryKinds

export interface QueryWorkerInit {
  readonly databaseUrl: string
  readonly databaseAuthToken?: string
  /** The providers beyond the built-in ones (config-file and extra modules): reprice reads usage through them. */
  readonly providers?: readonly ProviderOrigin[]
}

export type ToQueryWorker =
  | { readonly type: 'init'; readonly init: QueryWorkerInit }
  | { readonly type: 'run'; readonly id: number; readonly kind: QueryKind; readonly argument: QueryKinds[QueryKind]['argument'] }

export type FromQueryWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'init-failed'; readonly error: string }
  /** The result as JSON text: serialized (and schema-checked) on the worker, so the proxy thread passes it on as it is. */
  | { readonly type: 'done'; readonly id: number; readonly json: string }
  /** `code` is set when the failure was a ServiceError (a name that matches nothing, a bad cursor): it is rebuilt as one. */
  | { readonly type: 'failed'; readonly id: number; readonly code?: ServiceErrorCode; readonly message: string }
