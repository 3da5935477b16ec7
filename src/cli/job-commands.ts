// CLI `jobs list` and `jobs show`: the async jobs ledger (tasks, batches), their status and cost, through the job service.
import { parseStatus } from '../jobs/jobs-service.ts'
import type { CliContext } from './admin-commands.ts'
import { intFlag, parse, UsageError } from './args.ts'
import { HELP } from './help.ts'
import { table } from './table.ts'

const money = (usd: number | null) => (usd === null ? '-' : `$${usd.toFixed(6)}`)

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
    const rows = page.data.map((job) => ({
      id: job.id,
      provider: job.provider,
      'provider id': job.provider_job_id,
      model: job.model,
      status: job.status,
      created: job.created_at,
      cost: money(job.cost_usd),
      'cost status': job.cost_status ?? (job.settled ? null : 'pending'),
    }))
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
