// CLI `jobs list` and `jobs show`: the async jobs ledger (tasks, batches), their status and cost, through the job service.
import { parseStatus } from '../jobs/jobs-service.ts'
import type { CliContext } from './admin-commands.ts'
import { intFlag, parse, UsageError } from './args.ts'
import { HELP } from './help.ts'

const money = (usd: number | null) => (usd === null ? '-' : `$${usd.toFixed(6)}`)

function table(rows: string[][], header: string[]): string {
  if (rows.length === 0) return '(none)'
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

export async function jobsCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  const { values, positionals } = parse(rest, { status: { type: 'string' }, org: { type: 'string' }, key: { type: 'string' }, provider: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } })
  if (values.help || !sub) return ctx.out(HELP.jobs!)
  if (sub === 'list') {
    let status
    try {
      status = parseStatus(values.status)
    } catch (error) {
      throw new UsageError(`--status: ${(error as Error).message}`)
    }
    const limit = intFlag(values.limit, '--limit')
    const page = await ctx.services.jobs.list({
      ...(values.org ? { org: values.org } : {}),
      ...(values.key ? { key: values.key } : {}),
      ...(status ? { status } : {}),
      ...(values.provider ? { provider: values.provider } : {}),
      ...(values.cursor ? { cursor: values.cursor } : {}),
      ...(limit ? { limit } : {}),
    })
    if (values.json) return ctx.out(JSON.stringify(page))
    const rows = page.data.map((job) => [job.id, job.provider, job.provider_job_id, job.model ?? '-', job.status, job.created_at, money(job.cost_usd), job.cost_status ?? (job.settled ? '-' : 'pending')])
    ctx.out(table(rows, ['id', 'provider', 'provider id', 'model', 'status', 'created', 'cost', 'cost status']))
    if (page.next_cursor) ctx.out(`\nmore: --cursor ${page.next_cursor}`)
    return
  }
  if (sub === 'show') {
    const id = positionals[0]
    if (!id) throw new UsageError('jobs show needs a job id (job_…)')
    const view = await ctx.services.jobs.get(id)
    if (values.json) return ctx.out(JSON.stringify(view))
    ctx.out(Object.entries(view).map(([name, value]) => `${name.padEnd(18)} ${value === null ? '-' : typeof value === 'object' ? JSON.stringify(value) : String(value)}`).join('\n'))
    return
  }
  throw new UsageError(`unknown jobs command "${sub}"\n\n${HELP.jobs}`)
}
