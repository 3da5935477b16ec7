// CLI `jobs list`, `jobs show`, and `jobs webhooks` / `jobs redeliver`: the async jobs ledger and its webhook deliveries, through the services.
import { parseStatus } from '../jobs/jobs-service.ts'
import type { CliContext } from './admin-commands.ts'
import { intFlag, parse, UsageError } from './args.ts'
import { HELP } from './help.ts'
import { table } from './table.ts'

const money = (usd: number | null) => (usd === null ? '-' : `$${usd.toFixed(6)}`)

export async function jobsCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  const { values, positionals } = parse(rest, { status: { type: 'string' }, org: { type: 'string' }, key: { type: 'string' }, provider: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' }, state: { type: 'string' } })
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
  if (sub === 'webhooks') {
    if (!values.org) throw new UsageError('jobs webhooks needs --org NAME (deliveries are per organization)')
    const limit = intFlag(values.limit, '--limit')
    const page = await ctx.services.webhooks.deliveries(values.org, {
      ...(values.state ? { state: values.state } : {}),
      ...(values.cursor ? { cursor: values.cursor } : {}),
      ...(limit ? { limit } : {}),
    })
    if (values.json) return ctx.out(JSON.stringify(page))
    const rows = page.data.map((d) => ({ job: d.job_id, state: d.state, attempts: d.attempts, created: d.created_at, 'next attempt': d.next_attempt_at, 'last result': d.last_result }))
    ctx.out(table(rows, ['job', 'state', 'attempts', 'created', 'next attempt', 'last result']))
    if (page.next_cursor) ctx.out(`\nmore: --cursor ${page.next_cursor}`)
    return
  }
  if (sub === 'redeliver') {
    const id = positionals[0]
    if (!id) throw new UsageError('jobs redeliver needs a job id (job_…)')
    if (!values.org) throw new UsageError('jobs redeliver needs --org NAME (the job must be that organization\'s)')
    const delivery = await ctx.services.webhooks.redeliver(values.org, id)
    if (values.json) return ctx.out(JSON.stringify(delivery))
    ctx.out(`${delivery.job_id}: redelivery queued (${delivery.state}, due ${delivery.next_attempt_at ?? 'now'})`)
    return
  }
  throw new UsageError(`unknown jobs command "${sub}"\n\n${HELP.jobs}`)
}
