// Validates the budget, stream-usage and rate settings that orgs and keys share (admin API and CLI alike).
import { DEFAULT_BUDGET_PERIOD } from '../limits/period.ts'
import type { KeySettings } from '../store/keys.ts'
import { StoreError, type OrgSettings } from '../store/orgs.ts'
import { checkModels, checkPeriod, checkPositiveInt, checkTimeZone, parseIsoDate, usdToMicros } from './inputs.ts'

export interface LimitInput {
  stream_usage?: 'estimate' | 'inject' | null
  budget_usd?: number | string | null
  budget_period?: string | null
  budget_soft_percent?: number | null
}

export interface OrgInput extends LimitInput {
  name?: string
  time_zone?: string
}

export interface KeyInput extends LimitInput {
  org?: string
  name?: string
  models?: string[]
  expires_at?: string | null
  rpm?: number | null
  tpm?: number | null
  max_concurrency?: number | null
}

function limitSettings(input: LimitInput): OrgSettings & KeySettings {
  const settings: OrgSettings & KeySettings = {}
  if (input.stream_usage !== undefined) {
    if (input.stream_usage !== null && input.stream_usage !== 'estimate' && input.stream_usage !== 'inject') {
      throw new StoreError('invalid', 'stream_usage must be "estimate" or "inject"')
    }
    settings.streamUsage = input.stream_usage as 'estimate' | 'inject'
  }
  if (input.budget_usd !== undefined) settings.budgetMicros = input.budget_usd === null ? null : usdToMicros(input.budget_usd, 'budget_usd')
  if (input.budget_period !== undefined) settings.budgetPeriod = input.budget_period === null ? null : checkPeriod(input.budget_period)
  if (input.budget_soft_percent !== undefined) {
    const pct = input.budget_soft_percent
    if (pct !== null && (!Number.isInteger(pct) || pct < 1 || pct > 100)) throw new StoreError('invalid', 'budget_soft_percent must be an integer from 1 to 100')
    settings.budgetSoftPercent = pct
  }
  if (settings.budgetMicros != null && settings.budgetPeriod === undefined) settings.budgetPeriod = DEFAULT_BUDGET_PERIOD
  return settings
}

export function orgSettings(input: OrgInput): OrgSettings {
  const settings: OrgSettings = limitSettings(input)
  if (input.time_zone !== undefined) settings.timeZone = checkTimeZone(input.time_zone)
  return settings
}

export function keySettings(input: KeyInput, providers: ReadonlySet<string>): KeySettings {
  const settings: KeySettings = limitSettings(input)
  if (input.name !== undefined) settings.name = input.name
  if (input.models !== undefined) settings.models = checkModels(input.models, providers)
  if (input.expires_at !== undefined) settings.expiresAt = input.expires_at === null ? null : parseIsoDate(input.expires_at, 'expires_at')
  for (const field of ['rpm', 'tpm', 'max_concurrency'] as const) {
    const value = input[field]
    if (value === undefined) continue
    const column = field === 'max_concurrency' ? 'maxConcurrency' : field
    settings[column] = value === null ? null : checkPositiveInt(value, field)
  }
  return settings
}
