// CLI `usage` (a summary table from the rollups) and `reprice` (recompute stored costs with current prices).
import { reprice } from '../analytics/reprice.ts'
import { GROUPS, queryUsage, type GroupBy } from '../analytics/usage-query.ts'
import { resolveFilter } from '../admin/usage-routes.ts'
import { parseIsoDate } from '../admin/inputs.ts'
import { loadPriceOverrides } from '../metering/price-overrides.ts'
import { requireOrg } from '../store/orgs.ts'
import type { CliContext } from './admin-commands.ts'
import { parse, UsageError } from './args.ts'
import { HELP } from './help.ts'

const FILTER_FLAGS = {
  org: { type: 'string' },
  key: { type: 'string' },
  provider: { type: 'string' },
  model: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const

const money = (micros: number) => `$${(micros / 1_000_000).toFixed(6)}`

export async function usageCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values } = parse(argv, { ...FILTER_FLAGS, 'group-by': { type: 'string' } })
  if (values.help) return ctx.out(HELP.usage!)
  const groupBy = (values['group-by'] ?? 'model') as GroupBy
  if (!GROUPS.includes(groupBy)) throw new UsageError(`--group-by must be one of ${GROUPS.join(', ')}`)
  const { org, key, provider, model, from, to } = values
  const filter = await resolveFilter(ctx.db, ctx.canonicalProvider, { org, key, provider, model, from, to })
  const { data, totals } = await queryUsage(ctx.client, filter, groupBy)
  if (values.json) return ctx.out(JSON.stringify({ group_by: groupBy, data, totals }))
  const rows = [...data, totals].map((row) => [
    row.name ? `${row.group} (${row.name})` : row.group,
    String(row.requests),
    String(row.errors),
    String(row.input_tokens),
    String(row.output_tokens),
    String(row.cache_read_tokens),
    String(row.cache_write_tokens),
    String(row.reasoning_tokens),
    money(row.cost_micros),
    String(row.unpriced_requests),
    String(row.estimated_requests),
  ])
  const header = [groupBy, 'requests', 'errors', 'input', 'output', 'cache read', 'cache write', 'reasoning', 'cost', 'unpriced', 'estimated']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  ctx.out(
    [
      `usage ${new Date(filter.from).toISOString()} → ${new Date(filter.to).toISOString()}`,
      line(header),
      ...rows.slice(0, -1).map(line),
      '-'.repeat(widths.reduce((a, b) => a + b + 2, -2)),
      line(rows.at(-1)!),
    ].join('\n'),
  )
  if (totals.unpriced_requests > 0) ctx.out(`\n${totals.unpriced_requests} request(s) have no known price: their cost is not in the total. Add a price override, then run \`reprice\`.`)
}

export async function repriceCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values } = parse(argv, { from: { type: 'string' }, to: { type: 'string' }, org: { type: 'string' } })
  if (values.help) return ctx.out(HELP.reprice!)
  if (!values.from || !values.to) throw new UsageError('reprice needs --from ISO and --to ISO')
  const orgId = values.org ? (await requireOrg(ctx.db, values.org)).id : undefined
  const overrides = await loadPriceOverrides(ctx.db, ctx.configPriceOverrides)
  const range = { from: parseIsoDate(values.from, '--from'), to: parseIsoDate(values.to, '--to'), ...(orgId ? { orgId } : {}) }
  const result = await reprice(ctx.client, range, overrides)
  ctx.out(values.json ? JSON.stringify(result) : `examined ${result.examined} request(s), changed ${result.changed}, still unpriced ${result.stillUnpriced}`)
}
