// CLI `usage` (a summary table from the rollups) and `reprice` (recompute stored costs with current prices).
import { GROUPS, type GroupBy } from '../analytics/usage-query.ts'
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
  const report = await ctx.services.usage.query({ org, key, provider, model, from, to, group_by: groupBy })
  const { data, totals } = report
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
      `usage ${report.from} → ${report.to}`,
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
  const result = await ctx.services.prices.reprice({ from: values.from, to: values.to, ...(values.org ? { org: values.org } : {}) })
  ctx.out(values.json ? JSON.stringify(result) : `examined ${result.examined} request(s), changed ${result.changed}, still unpriced ${result.stillUnpriced}`)
}
