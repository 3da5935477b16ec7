// The one place stored rows become API objects (the admin API's answers, the CLI's --json, the dashboard's data).
import type { ApiKeyRow, OrgRow, priceOverrides } from '../db/schema.ts'
import { priceInputFromFields, type PriceOutput } from '../pricing/override-input.ts'
import type { PriceFields } from '../pricing/types.ts'
import type { KeyView } from '../types/dashboard-api.ts'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
const usdOf = (micros: number | null) => (micros === null ? null : micros / 1_000_000)

export interface OrgView {
  id: string
  name: string
  time_zone: string
  stream_usage: string
  budget_usd: number | null
  budget_period: string | null
  budget_soft_percent: number | null
  created_at: string
}

export function viewOrg(row: OrgRow): OrgView {
  return {
    id: row.id,
    name: row.name,
    time_zone: row.timeZone,
    stream_usage: row.streamUsage,
    budget_usd: usdOf(row.budgetMicros),
    budget_period: row.budgetPeriod,
    budget_soft_percent: row.budgetSoftPercent,
    created_at: new Date(row.createdAt).toISOString(),
  }
}

/** What a key looks like outside the store: never the hash, never the secret (the type is shared with the dashboard's UI). */
export type { KeyView }

/** A new key's view, with its secret: returned once, at creation, never again. */
export type CreatedKeyView = KeyView & { key: string }

export function viewKey(row: ApiKeyRow): KeyView {
  return {
    id: row.id,
    org_id: row.orgId,
    name: row.name,
    prefix: row.displayPrefix,
    last4: row.last4,
    status: row.status,
    models: JSON.parse(row.models) as string[],
    expires_at: iso(row.expiresAt),
    created_at: new Date(row.createdAt).toISOString(),
    last_used_at: iso(row.lastUsedAt),
    stream_usage: row.streamUsage,
    budget_usd: usdOf(row.budgetMicros),
    budget_period: row.budgetPeriod,
    budget_soft_percent: row.budgetSoftPercent,
    rpm: row.rpm,
    tpm: row.tpm,
    max_concurrency: row.maxConcurrency,
  }
}

/** A view beside its budget state for the current period (null: no budget). */
export type WithBudget<V, B> = V & { budget: B | null }

export type PriceView = { id: string; org_id: string | null; provider: string; model: string; created_at: string } & PriceOutput

export function viewPrice(row: typeof priceOverrides.$inferSelect): PriceView {
  return {
    id: row.id,
    org_id: row.orgId,
    provider: row.provider,
    model: row.modelPattern,
    ...priceInputFromFields(JSON.parse(row.prices) as PriceFields),
    created_at: new Date(row.createdAt).toISOString(),
  }
}

export interface ProviderView {
  id: string
  name: string
  aliases: string[]
  base_url: string
  /** "missing", or where the credential comes from. */
  credential: string
}
