// The admin operations shared by the HTTP API and the CLI: validated input in, plain JSON views out.
import type { Db } from '../db/client.ts'
import type { ApiKeyRow, OrgRow } from '../db/schema.ts'
import type { CredentialCipher } from '../secrets/credential-cipher.ts'
import { MOCK_PROVIDER_ID } from '../providers/mock.ts'
import { setCredential } from '../store/credentials.ts'
import { createKey, listKeys, requireKey, revokeKey, updateKey, viewKey, type KeySettings, type KeyView } from '../store/keys.ts'
import { createOrg, listOrgs, requireOrg, StoreError, updateOrg, type OrgSettings } from '../store/orgs.ts'
import { DEFAULT_BUDGET_PERIOD } from '../limits/period.ts'
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
    budget_usd: row.budgetMicros === null ? null : row.budgetMicros / 1_000_000,
    budget_period: row.budgetPeriod,
    budget_soft_percent: row.budgetSoftPercent,
    created_at: new Date(row.createdAt).toISOString(),
  }
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

function keySettings(input: KeyInput, providers: ReadonlySet<string>): KeySettings {
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

export interface Operations {
  createOrg(input: OrgInput): Promise<{ view: OrgView; row: OrgRow }>
  updateOrg(idOrName: string, input: OrgInput): Promise<{ view: OrgView; row: OrgRow }>
  listOrgs(): Promise<OrgView[]>
  getOrg(idOrName: string): Promise<OrgView>
  createKey(input: KeyInput): Promise<{ view: KeyView & { key: string }; row: ApiKeyRow }>
  updateKey(id: string, input: KeyInput): Promise<{ view: KeyView; row: ApiKeyRow }>
  revokeKey(id: string): Promise<{ view: KeyView; row: ApiKeyRow }>
  listKeys(org?: string): Promise<KeyView[]>
  getKey(id: string): Promise<KeyView>
  setCredential(provider: string, secret: string): Promise<{ provider: string; updatedAt: number }>
}

export function createOperations(db: Db, cipher: () => CredentialCipher, providers: ReadonlySet<string>, canonical: (name: string) => string | undefined): Operations {
  return {
    async createOrg(input) {
      if (!input.name) throw new StoreError('invalid', 'name is required')
      const settings = limitSettings(input)
      if (input.time_zone !== undefined) settings.timeZone = checkTimeZone(input.time_zone)
      const row = await createOrg(db, input.name, settings)
      return { view: viewOrg(row), row }
    },
    async updateOrg(idOrName, input) {
      const settings = limitSettings(input)
      if (input.time_zone !== undefined) settings.timeZone = checkTimeZone(input.time_zone)
      const row = await updateOrg(db, idOrName, settings)
      return { view: viewOrg(row), row }
    },
    async listOrgs() {
      return (await listOrgs(db)).map(viewOrg)
    },
    async getOrg(idOrName) {
      return viewOrg(await requireOrg(db, idOrName))
    },
    async createKey(input) {
      if (!input.org) throw new StoreError('invalid', 'org is required')
      const { row, secret } = await createKey(db, input.org, keySettings(input, providers))
      return { view: { ...viewKey(row), key: secret }, row }
    },
    async updateKey(id, input) {
      const row = await updateKey(db, id, keySettings(input, providers))
      return { view: viewKey(row), row }
    },
    async revokeKey(id) {
      const row = await revokeKey(db, id)
      return { view: viewKey(row), row }
    },
    async listKeys(org) {
      return (await listKeys(db, org)).map(viewKey)
    },
    async getKey(id) {
      return viewKey(await requireKey(db, id))
    },
    async setCredential(provider, secret) {
      const id = canonical(provider)
      if (!id) throw new StoreError('not_found', `unknown provider "${provider}"`)
      // Its credential is generated for its in-process upstream at start-up: a stored one would never be used.
      if (id === MOCK_PROVIDER_ID) throw new StoreError('invalid', 'the mock provider needs no credential')
      const value = secret.trim()
      if (!value) throw new StoreError('invalid', 'the credential is empty')
      const updatedAt = Date.now()
      await setCredential(db, cipher(), id, value, updatedAt)
      return { provider: id, updatedAt }
    },
  }
}
