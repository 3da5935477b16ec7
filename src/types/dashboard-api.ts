// The dashboard API's answers as plain types, with no imports: the server's views are checked against them (admin/admin-schemas.ts contracts) and the UI (DOM lib only) compiles against the same file.

/** Who a dashboard session belongs to, as the dashboard's pages see it. */
export interface DashboardIdentity {
  org_id: string
  org_name: string
  time_zone: string
  /** "key" for a key holder, who sees that key only. */
  role: 'viewer' | 'admin' | 'key'
  email: string | null
  key_id: string | null
  /** Sent back in the x-csrf-token header on every change. */
  csrf_token: string
  expires_at: string
}

/** Live budget state of a scope for its current period (limits/budget-view.ts budgetStatusView). */
export interface BudgetState {
  limit_usd: number
  period: string
  period_start: string
  period_end: string | null
  spent_usd: number
  remaining_usd: number
  reserved_usd: number
  soft_threshold_reached: boolean
}

/** What a key looks like outside the store: never the hash, never the secret. */
export interface KeyView {
  id: string
  org_id: string
  name: string
  prefix: string
  last4: string
  status: 'active' | 'revoked'
  models: string[]
  expires_at: string | null
  created_at: string
  last_used_at: string | null
  stream_usage: string | null
  budget_usd: number | null
  budget_period: string | null
  budget_soft_percent: number | null
  rpm: number | null
  tpm: number | null
  max_concurrency: number | null
}

/** A key with its current-period budget (the dashboard's /keys answers). */
export type KeyWithBudget = KeyView & { budget: BudgetState | null }

/** One group's sums from the rollups, with the cost in dollars beside the micro-dollars. */
export interface UsageRow {
  group: string
  /** Grouped by key or org: the key's or org's name beside its id in `group`. */
  name?: string | null
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
  cache_write_tokens: number
  reasoning_tokens: number
  cost_micros: number
  cost_usd: number
  unpriced_requests: number
  estimated_requests: number
}

export interface UsageReport {
  group_by: string
  /** The IANA zone whose local hours and days the groups follow. */
  time_zone: string
  /** ISO 8601. */
  from: string
  to: string
  data: UsageRow[]
  totals: UsageRow
}

/** One stored request as the request log shows it (every usage_events column but the raw provider usage). */
export interface RequestLogEntry {
  request_id: string
  started_at: string
  org_id: string
  key_id: string
  provider: string
  model: string | null
  endpoint: string
  method: string
  status: number
  streamed: boolean
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
  cache_write_tokens: number
  reasoning_tokens: number
  images: number | null
  video_seconds: number | null
  audio_seconds: number | null
  cost_micros: number | null
  cost_usd: number | null
  cost_status: 'priced' | 'estimated' | 'unpriced' | 'no_usage' | 'mock' | 'refused'
  usage_source: 'reported' | 'estimated' | 'none'
  price_source: string | null
  cost_detail: string | null
  ended_by: string
  partial: boolean
  ttfb_ms: number | null
  duration_ms: number
  user: string | null
  tags: string[]
  error_code: string | null
}

export interface RequestsPage {
  data: RequestLogEntry[]
  next_cursor: string | null
}

export type JobStatusName = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'expired' | 'unknown'

/** An async job as the dashboard shows it: status, times and cost, the key it is charged to; no upstream or credential. */
export interface DashboardJobView {
  id: string
  provider: string
  provider_job_id: string
  model: string | null
  kind: string
  status: JobStatusName
  raw_status: string | null
  created_at: string
  updated_at: string
  finished_at: string | null
  result_expires_at: string | null
  reserved_usd: number | null
  cost_usd: number | null
  cost_status: string | null
  settled: boolean
  key_id: string
}

/** The jobs page's data: the jobs still in flight first (first page only), then the others newest first. */
export interface DashboardJobsPage {
  /** Queued, running or unknown, newest first (at most 200); empty on later pages and when a status is chosen. */
  in_flight: DashboardJobView[]
  data: DashboardJobView[]
  next_cursor: string | null
}

/** One kind's share of a request's cost. */
export interface CostPart {
  kind: 'cached_input' | 'cache_write' | 'input' | 'output' | 'reasoning' | 'media'
  quantity: number
  /** "tokens", or the media units ("images", "video seconds"). */
  unit: string
  /** null: this kind has no known price. */
  cost_micros: number | null
  cost_usd: number | null
}

/** A stored request's cost split by kind, priced from its stored counts with the prices in force now. */
export interface CostBreakdown {
  parts: CostPart[]
  /** The parts' sum (null when a part is unknown). */
  priced_micros: number | null
  /** What the row stores (null: unpriced). */
  stored_micros: number | null
  matches_stored: boolean
  note: string
}

/** The request detail view: the stored row and its cost by kind. */
export interface RequestDetail {
  request: RequestLogEntry
  breakdown: CostBreakdown
}
