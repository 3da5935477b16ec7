// CLI commands for orgs, keys and provider credentials: parse flags, call the services, print.
import type { KeyInput, OrgInput } from '../services/limit-input.ts'
import type { Services } from '../services/services.ts'
import type { ResolvedProvider } from '../config.ts'
import { listStoredCredentials } from '../store/credentials.ts'
import { listServerReports } from '../store/server-reports.ts'
import { providerSources } from './provider-sources.ts'
import type { Db } from '../db/client.ts'
import type { BudgetSnapshot } from './budget-column.ts'
import { intFlag, parse, UsageError } from './args.ts'
import { HELP } from './help.ts'
import { table } from './table.ts'

export interface CliContext {
  readonly db: Db
  /** The same services the admin API uses; budgets read from the database (the CLI has no live ledger). */
  readonly services: Services<BudgetSnapshot>
  readonly providers: readonly ResolvedProvider[]
  readonly out: (text: string) => void
  readonly readStdin: () => Promise<string>
  /** This shell's SOCIARO_ADMIN_TOKEN: lets `providers list` ask a running server directly. */
  readonly adminToken?: string
}

const LIMIT_FLAGS = {
  'budget-usd': { type: 'string' },
  'budget-period': { type: 'string' },
  'budget-soft-percent': { type: 'string' },
  'stream-usage': { type: 'string' },
} as const

function limitInput(values: Record<string, string | boolean | undefined>): OrgInput & KeyInput {
  const input: OrgInput & KeyInput = {}
  if (typeof values['budget-usd'] === 'string') input.budget_usd = values['budget-usd'] === 'none' ? null : values['budget-usd']
  if (typeof values['budget-period'] === 'string') input.budget_period = values['budget-period']
  const soft = intFlag(values['budget-soft-percent'] as string | undefined, '--budget-soft-percent')
  if (soft !== undefined) input.budget_soft_percent = soft
  if (typeof values['stream-usage'] === 'string') input.stream_usage = values['stream-usage'] as 'estimate' | 'inject'
  return input
}

export async function orgsCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  const { values, positionals } = parse(rest, { 'time-zone': { type: 'string' }, 'webhook-url': { type: 'string' }, 'webhook-secret-stdin': { type: 'boolean' }, ...LIMIT_FLAGS })
  if (values.help || !sub) return ctx.out(HELP.orgs!)
  const input: OrgInput = { ...limitInput(values) }
  if (values['time-zone']) input.time_zone = values['time-zone']
  switch (sub) {
    case 'create': {
      const name = positionals[0]
      if (!name) throw new UsageError('orgs create needs a NAME')
      const view = await ctx.services.orgs.create({ ...input, name })
      return ctx.out(values.json ? JSON.stringify(view) : `created org ${view.name} (${view.id})`)
    }
    case 'update': {
      const name = positionals[0]
      if (!name) throw new UsageError('orgs update needs a NAME')
      const webhookUrl = values['webhook-url']
      if (values['webhook-secret-stdin'] && (webhookUrl === undefined || webhookUrl === 'none')) throw new UsageError('--webhook-secret-stdin goes with --webhook-url URL')
      if (webhookUrl !== undefined && webhookUrl !== 'none' && !values['webhook-secret-stdin']) throw new UsageError('--webhook-url URL needs --webhook-secret-stdin (the signing secret, read from stdin)')
      const view = await ctx.services.orgs.update(name, input)
      // The secret only ever on stdin: an argument would be in the shell history and the process list.
      const webhook =
        webhookUrl === 'none'
          ? await ctx.services.webhooks.clear(view.id)
          : webhookUrl !== undefined
            ? await ctx.services.webhooks.set(view.id, { url: webhookUrl, secret: await ctx.readStdin() })
            : undefined
      if (values.json) return ctx.out(JSON.stringify(webhook ? { ...view, webhook_url: webhook.url } : view))
      return ctx.out(`updated org ${view.name} (${view.id})${webhook ? (webhook.url ? `; job webhook: ${webhook.url}` : '; job webhook removed') : ''}`)
    }
    case 'list': {
      const orgs = await ctx.services.orgs.list()
      if (values.json) return ctx.out(JSON.stringify(orgs))
      const rows = orgs.map((o) => ({ ...o, spent: o.budget ? `$${o.budget.spent_usd.toFixed(4)} of $${o.budget.limit_usd} (${o.budget.period})` : '-' }))
      return ctx.out(table(rows, ['id', 'name', 'time_zone', 'spent', 'created_at']))
    }
    default:
      throw new UsageError(`unknown command "orgs ${sub}"\n\n${HELP.orgs}`)
  }
}

export async function keysCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  const { values, positionals } = parse(rest, {
    org: { type: 'string' },
    name: { type: 'string' },
    models: { type: 'string' },
    'expires-at': { type: 'string' },
    rpm: { type: 'string' },
    tpm: { type: 'string' },
    'max-concurrency': { type: 'string' },
    ...LIMIT_FLAGS,
  })
  if (values.help || !sub) return ctx.out(HELP.keys!)
  const input: KeyInput = { ...limitInput(values) }
  if (values.name !== undefined) input.name = values.name
  if (values.models !== undefined) input.models = values.models.split(',').map((m) => m.trim()).filter(Boolean)
  if (values['expires-at'] !== undefined) input.expires_at = values['expires-at'] === 'never' ? null : values['expires-at']
  for (const [flag, field] of [['rpm', 'rpm'], ['tpm', 'tpm'], ['max-concurrency', 'max_concurrency']] as const) {
    const raw = values[flag]
    if (raw === 'none') input[field] = null
    else if (raw !== undefined) input[field] = intFlag(raw, `--${flag}`)!
  }
  switch (sub) {
    case 'create': {
      if (!values.org) throw new UsageError('keys create needs --org NAME')
      const view = await ctx.services.keys.create({ ...input, org: values.org })
      if (values.json) return ctx.out(JSON.stringify(view))
      return ctx.out(`created key ${view.id} for org ${view.org_id}\n\n  ${view.key}\n\nStore it now: it is shown only once.`)
    }
    case 'update': {
      const id = positionals[0]
      if (!id) throw new UsageError('keys update needs a key ID')
      const view = await ctx.services.keys.update(id, input)
      return ctx.out(values.json ? JSON.stringify(view) : `updated key ${view.id}`)
    }
    case 'revoke': {
      const id = positionals[0]
      if (!id) throw new UsageError('keys revoke needs a key ID')
      const view = await ctx.services.keys.revoke(id)
      return ctx.out(values.json ? JSON.stringify(view) : `revoked key ${view.id}`)
    }
    case 'list': {
      const keys = await ctx.services.keys.list(values.org)
      if (values.json) return ctx.out(JSON.stringify(keys))
      const rows = keys.map((k) => ({
        ...k,
        key: `${k.prefix}…${k.last4}`,
        models: k.models.join(','),
        spent: k.budget ? `$${k.budget.spent_usd.toFixed(4)} of $${k.budget.limit_usd} (${k.budget.period})` : '-',
        limits: [k.rpm && `${k.rpm} rpm`, k.tpm && `${k.tpm} tpm`, k.max_concurrency && `${k.max_concurrency} conc`].filter(Boolean).join(', ') || '-',
      }))
      return ctx.out(table(rows, ['id', 'org_id', 'name', 'key', 'status', 'models', 'spent', 'limits', 'expires_at', 'last_used_at']))
    }
    default:
      throw new UsageError(`unknown command "keys ${sub}"\n\n${HELP.keys}`)
  }
}

export async function providersCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  const { values, positionals } = parse(rest, {})
  if (values.help || !sub) return ctx.out(HELP.providers!)
  switch (sub) {
    case 'set-credential': {
      const provider = positionals[0]
      if (!provider) throw new UsageError('providers set-credential needs a PROVIDER')
      if (positionals.length > 1) throw new UsageError('pass the credential on stdin, never as an argument')
      const secret = await ctx.readStdin()
      const { provider: id } = await ctx.services.providers.setCredential(provider, secret)
      return ctx.out(values.json ? JSON.stringify({ provider: id, credential: 'stored' }) : `stored the credential for ${id} (encrypted)`)
    }
    case 'list': {
      const stored = new Set((await listStoredCredentials(ctx.db)).map((row) => row.provider))
      const sources = await providerSources({
        providers: ctx.providers,
        stored,
        reports: () => listServerReports(ctx.db),
        ...(ctx.adminToken ? { adminToken: ctx.adminToken } : {}),
      })
      if (values.json) return ctx.out(JSON.stringify(sources.rows.map((row) => ({ ...row, checked: sources.checked, ...(sources.server ? { server: sources.server } : {}) }))))
      return ctx.out(`${table(sources.rows, ['id', 'name', 'base_url', 'credential'])}\n\n${sources.note}`)
    }
    default:
      throw new UsageError(`unknown command "providers ${sub}"\n\n${HELP.providers}`)
  }
}
