// The admin API's response contract in TypeBox: every route's success body and the one error body, shown in OpenAPI and checked on the way out.
import { t, type Static, type TSchema } from 'elysia'
import type { KeyView, OrgView } from '../services/views.ts'
import type { RepriceResult } from '../types/reprice.ts'
import { getTableColumns } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import { usageEvents } from '../db/schema.ts'
import { ROLLUP_VALUE_COLUMNS, type RollupValueKey, type SnakeCase } from '../db/usage-columns.ts'
import type { UsageRow } from '../analytics/usage-query.ts'
import { SERVICE_ERROR_CODES } from '../errors/service-error.ts'
import type { AdminJobView } from '../jobs/jobs-service.ts'
import type { DeliveryView } from '../jobs/webhook-deliveries.ts'
import type { RequestsPage as ServerRequestsPage } from '../analytics/usage-reads.ts'
import type { budgetStatusView } from '../limits/budget-view.ts'
import type { DashboardSession } from '../services/dashboard-session-service.ts'
import type { BudgetState, CostBreakdown, DashboardIdentity, DashboardJobView, RequestsPage, UsageReport, UsageRow as SharedUsageRow } from '../types/dashboard-api.ts'

const nullable = <T extends TSchema>(schema: T) => t.Union([schema, t.Null()])
const isoDate = t.String({ description: 'ISO 8601' })

/** Every error the admin API makes (outside the proxy): `type` is a stable code, `message` is for people. */
export const ErrorSchema = t.Object(
  { error: t.Object({ type: t.UnionEnum(SERVICE_ERROR_CODES), message: t.String() }) },
  { description: 'An error (errors/service-error.ts): its type is a stable code' },
)

/** The error statuses every admin route can answer with (token, validation, size, database, failure). */
const ERRORS = { 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 413: ErrorSchema, 500: ErrorSchema, 503: ErrorSchema } as const

/** A route's response map: its success statuses, then the shared error ones. */
export function responses<S extends Record<number, TSchema>>(success: S): S & typeof ERRORS {
  return { ...ERRORS, ...success }
}

/** Live budget state (limits/budget-view.ts plus reservations); null when there is no budget. */
export const BudgetSchema = nullable(
  t.Object({
    limit_usd: t.Number(),
    period: t.String(),
    period_start: isoDate,
    period_end: nullable(isoDate),
    spent_usd: t.Number(),
    remaining_usd: t.Number(),
    reserved_usd: t.Number(),
    soft_threshold_reached: t.Boolean(),
  }),
)

const limitViewFields = {
  budget_usd: nullable(t.Number()),
  budget_period: nullable(t.String()),
  budget_soft_percent: nullable(t.Integer()),
}

const orgViewFields = { id: t.String(), name: t.String(), time_zone: t.String(), stream_usage: t.String(), ...limitViewFields, created_at: isoDate }
export const OrgSchema = t.Object(orgViewFields)
export const OrgWithBudgetSchema = t.Object({ ...orgViewFields, budget: BudgetSchema })

const keyViewFields = {
  id: t.String(),
  org_id: t.String(),
  name: t.String(),
  prefix: t.String(),
  last4: t.String(),
  status: t.Union([t.Literal('active'), t.Literal('revoked')]),
  models: t.Array(t.String()),
  expires_at: nullable(isoDate),
  created_at: isoDate,
  last_used_at: nullable(isoDate),
  stream_usage: nullable(t.String()),
  ...limitViewFields,
  rpm: nullable(t.Integer()),
  tpm: nullable(t.Integer()),
  max_concurrency: nullable(t.Integer()),
}
export const KeySchema = t.Object(keyViewFields)
export const KeyWithBudgetSchema = t.Object({ ...keyViewFields, budget: BudgetSchema })
export const CreatedKeySchema = t.Object({ ...keyViewFields, key: t.String({ description: 'The secret: shown this once, never stored' }) })

export const ProvidersSchema = t.Object({
  data: t.Array(t.Object({ id: t.String(), name: t.String(), aliases: t.Array(t.String()), base_url: t.String(), credential: t.String({ description: '"missing", or where the credential comes from' }) })),
})
export const CredentialStoredSchema = t.Object({ provider: t.String(), credential: t.Literal('stored') })

/** An org's job webhook; its signing secret is write-only. */
export const WebhookSchema = t.Object({ org_id: t.String(), url: t.Union([t.String(), t.Null()], { description: 'null: no webhook' }) })
export const WebhookInputSchema = t.Object({
  url: t.String({ minLength: 1, maxLength: 2048, description: 'https URL every settled job of the org is POSTed to (public addresses only unless the operator allows more); redirects are not followed' }),
  secret: t.String({ minLength: 16, maxLength: 512, description: 'HMAC-SHA256 key for x-sociaro-signature; stored encrypted, never shown' }),
})

/** One job's webhook delivery (src/jobs/webhook-deliveries.ts). */
export const DeliverySchema = t.Object({
  job_id: t.String(),
  org_id: t.String(),
  state: t.Union([t.Literal('pending'), t.Literal('delivered'), t.Literal('given_up')]),
  attempts: t.Integer({ description: 'attempts of this delivery (a redelivery starts again at 0)' }),
  created_at: isoDate,
  next_attempt_at: nullable(isoDate),
  delivered_at: nullable(isoDate),
  gave_up_at: nullable(isoDate),
  last_result: nullable(t.String({ description: 'the last HTTP status, error or refusal' })),
})
export const DeliveriesSchema = t.Object({ data: t.Array(DeliverySchema), next_cursor: nullable(t.String({ description: 'Pass as cursor for the next page' })) })

const usd = t.Number({ description: 'US dollars' })
export const PriceSchema = t.Object({
  id: t.String(),
  org_id: nullable(t.String()),
  provider: t.String(),
  model: t.String(),
  input_usd_per_mtok: t.Optional(usd),
  output_usd_per_mtok: t.Optional(usd),
  cache_read_usd_per_mtok: t.Optional(usd),
  cache_write_usd_per_mtok: t.Optional(usd),
  usd_per_image: t.Optional(usd),
  usd_per_video_second: t.Optional(usd),
  created_at: isoDate,
})
export const DeletedSchema = t.Object({ deleted: t.String() })
export const RepriceSchema = t.Object({ examined: t.Integer(), changed: t.Integer(), stillUnpriced: t.Integer() })

// The usage shapes follow the tables' Drizzle columns, so a column added there is in the contract too.
const sumFields = Object.fromEntries(ROLLUP_VALUE_COLUMNS.map(({ name }) => [name, t.Number()])) as { [K in RollupValueKey as SnakeCase<K>]: ReturnType<typeof t.Number> }
const UsageRowSchema = t.Object({ group: t.String(), ...sumFields, cost_usd: t.Number(), name: t.Optional(nullable(t.String({ description: 'The key or org name, when grouped by key or org' }))) })
export const UsageSchema = t.Object({
  group_by: t.String(),
  time_zone: t.String({ description: 'The zone whose calendar days a day grouping uses; each day group is that day\'s first instant' }),
  from: isoDate,
  to: isoDate,
  data: t.Array(UsageRowSchema),
  totals: UsageRowSchema,
})

function columnSchema(column: SQLiteColumn): TSchema {
  const base = column.dataType === 'boolean' ? t.Boolean() : column.dataType === 'number' ? t.Number() : t.String()
  return column.notNull ? base : nullable(base)
}
/** How the request log presents a column when not as stored (see analytics/usage-query.ts); null leaves it out. */
const PRESENTED_FIELDS: Record<string, Record<string, TSchema> | null> = {
  started_at: { started_at: isoDate },
  cost_micros: { cost_micros: nullable(t.Integer()), cost_usd: nullable(t.Number()) },
  tags: { tags: t.Array(t.String()) },
  raw_usage: null,
}
const requestFields: Record<string, TSchema> = {}
for (const column of Object.values(getTableColumns(usageEvents)) as SQLiteColumn[]) {
  const presented = PRESENTED_FIELDS[column.name]
  if (presented === undefined) requestFields[column.name] = columnSchema(column)
  else if (presented !== null) Object.assign(requestFields, presented)
}
export const RequestsSchema = t.Object({ data: t.Array(t.Object(requestFields)), next_cursor: nullable(t.String({ description: 'Pass as cursor for the next page' })) })

/** One request with its cost by token kind (analytics/cost-breakdown.ts). */
const CostPartSchema = t.Object({
  kind: t.UnionEnum(['cached_input', 'cache_write', 'input', 'output', 'reasoning', 'media']),
  quantity: t.Number(),
  unit: t.String(),
  cost_micros: nullable(t.Integer()),
  cost_usd: nullable(t.Number()),
})
const CostBreakdownSchema = t.Object({
  parts: t.Array(CostPartSchema),
  priced_micros: nullable(t.Integer()),
  stored_micros: nullable(t.Integer()),
  matches_stored: t.Boolean(),
  note: t.String(),
})
export const RequestDetailSchema = t.Object({ request: t.Object(requestFields), breakdown: CostBreakdownSchema })

/** One async job as the jobs ledger holds it (src/jobs/jobs-service.ts adminJobView). */
const jobStatus = t.UnionEnum(['queued', 'running', 'succeeded', 'failed', 'canceled', 'expired', 'unknown'])
export const JobSchema = t.Object({
  id: t.String({ description: 'Our id (job_…): also the request id of its one usage row' }),
  provider: t.String(),
  provider_job_id: t.String(),
  model: nullable(t.String()),
  kind: t.String(),
  status: jobStatus,
  raw_status: nullable(t.String({ description: "The provider's own status word" })),
  created_at: isoDate,
  updated_at: isoDate,
  finished_at: nullable(isoDate),
  result_expires_at: nullable(isoDate),
  reserved_usd: nullable(t.Number({ description: 'What its submit reserved against budgets' })),
  cost_usd: nullable(t.Number({ description: 'null until settled, or when its price is unknown (cost_status unpriced)' })),
  cost_status: nullable(t.String()),
  settled: t.Boolean({ description: 'Billed: its one usage row is written' }),
  org_id: t.String(),
  key_id: t.String({ description: 'The key that created it (what it is charged to)' }),
  request_id: t.String({ description: 'The submit request' }),
  create_path: t.String(),
  upstream_base: t.String(),
  credential_ref: t.String({ description: 'Where its credential came from and a fingerprint, never the secret' }),
  params: t.Record(t.String(), t.Union([t.String(), t.Number(), t.Boolean()]), { description: 'The submit parameters that drive its price' }),
  usage: t.Unknown({ description: "The provider's usage object, when it reported one" }),
  settled_at: nullable(isoDate),
  next_poll_at: nullable(isoDate),
  poll_attempts: t.Integer(),
  poll_errors: t.Integer(),
})
export const JobsSchema = t.Object({ data: t.Array(JobSchema), next_cursor: nullable(t.String({ description: 'Pass as cursor for the next page' })) })

/** A job as the dashboard shows it (analytics/job-reads.ts): the key holder's view plus the key, no upstream or credential. */
const DashboardJobSchema = t.Pick(JobSchema, [
  'id', 'provider', 'provider_job_id', 'model', 'kind', 'status', 'raw_status', 'created_at', 'updated_at', 'finished_at',
  'result_expires_at', 'reserved_usd', 'cost_usd', 'cost_status', 'settled', 'key_id',
])
export const DashboardJobsSchema = t.Object({
  in_flight: t.Array(DashboardJobSchema),
  data: t.Array(DashboardJobSchema),
  next_cursor: nullable(t.String()),
})

/** True only when A and B are the same type: the views and their schemas cannot drift apart without failing the type-check. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const contracts: [
  Same<Static<typeof OrgSchema>, OrgView>,
  Same<Static<typeof KeySchema>, KeyView>,
  Same<Static<typeof RepriceSchema>, RepriceResult>,
  Same<Static<typeof UsageRowSchema>, UsageRow>,
  Same<Static<typeof JobSchema>, AdminJobView>,
  Same<Static<typeof DeliverySchema>, DeliveryView>,
  // The dashboard UI compiles against types/dashboard-api.ts: the server's views must be exactly those types.
  Same<Static<typeof DashboardJobSchema>, DashboardJobView>,
  Same<Static<typeof UsageRowSchema>, SharedUsageRow>,
  Same<Static<typeof UsageSchema>, UsageReport>,
  Same<ServerRequestsPage, RequestsPage>,
  Same<Static<typeof CostBreakdownSchema>, CostBreakdown>,
  Same<ReturnType<typeof budgetStatusView>, BudgetState>,
  Same<DashboardIdentity, DashboardSession['identity']>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true]
void contracts

/** A dashboard user (services/dashboard-views.ts): never a password hash. */
export const DashboardUserSchema = t.Object({
  id: t.String(),
  org_id: t.String(),
  email: t.String(),
  role: t.Union([t.Literal('viewer'), t.Literal('admin')]),
  has_password: t.Boolean(),
  status: t.Union([t.Literal('active'), t.Literal('disabled')]),
  created_at: isoDate,
  disabled_at: nullable(isoDate),
})

/** A one-time invite: the path holds the token, shown once; the link works until it expires or is used. */
export const InviteSchema = t.Object({ token: t.String(), path: t.String({ description: 'append to the gateway URL' }), expires_at: isoDate })

export const CreatedDashboardUserSchema = t.Composite([DashboardUserSchema, t.Object({ invite: nullable(InviteSchema) })])
