// Validates and converts admin/CLI inputs (ISO dates, USD amounts, allowlists, periods, zones) into store settings.
import { validatePatterns } from '../auth/model-allowlist.ts'
import { usdToMicros as toMicros } from '../pricing/usd.ts'
import { StoreError } from '../store/orgs.ts'
import { BUDGET_PERIODS, isBudgetPeriod } from '../limits/period.ts'


export function parseIsoDate(value: string, field: string): number {
  const ms = Date.parse(value)
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw new StoreError('invalid', `${field} must be an ISO 8601 date, got "${value}"`)
  return ms
}

export function usdToMicros(value: number | string, field: string): number {
  try {
    return toMicros(value, field)
  } catch (error) {
    throw new StoreError('invalid', (error as Error).message)
  }
}

export function checkModels(models: string[], knownProviders: ReadonlySet<string>): string[] {
  const problem = validatePatterns(models, knownProviders)
  if (problem) throw new StoreError('invalid', problem)
  return models
}

export function checkPeriod(period: string): string {
  if (!isBudgetPeriod(period)) throw new StoreError('invalid', `budget period must be one of ${BUDGET_PERIODS.join(', ')}`)
  return period
}

export function checkPositiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) throw new StoreError('invalid', `${field} must be a positive integer`)
  return value
}

export function checkTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return zone
  } catch {
    throw new StoreError('invalid', `unknown time zone "${zone}"`)
  }
}
