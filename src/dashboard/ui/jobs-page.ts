// Jobs: the org's async jobs (a key holder's own), those in flight first, with status, age, cost (settled or reserved) and a warning before results expire; filtered by status in the URL.
import type { DashboardJobsPage, DashboardJobView, JobStatusName, KeyWithBudget } from '../../types/dashboard-api.ts'
import { api, query } from './api.ts'
import { csvButton } from './csv.ts'
import { emptyState, h, replace } from './dom.ts'
import { dateTime, usd } from './format.ts'
import type { Page } from './page.ts'

const STATUSES: readonly JobStatusName[] = ['queued', 'running', 'unknown', 'succeeded', 'failed', 'canceled', 'expired']
const PAGE_SIZE = 50
/** Results that vanish within this are flagged: long enough to fetch them, short enough to mean it. */
export const EXPIRY_WARNING_MS = 24 * 3_600_000

/** "3 d 4 h", "5 h 12 min", "40 s": how long ago `from` was at `now`. */
export function ageText(from: number, now: number): string {
  const s = Math.max(0, Math.floor((now - from) / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min`
  const hours = Math.floor(m / 60)
  if (hours < 48) return `${hours} h ${m % 60} min`
  return `${Math.floor(hours / 24)} d ${hours % 24} h`
}

/** The cost the ledger has: the settled one, else what the submit reserved (marked so), else nothing yet. */
export function costText(job: DashboardJobView): string {
  if (job.settled) return job.cost_usd === null ? `unpriced` : `${usd(job.cost_usd)}${job.cost_status && job.cost_status !== 'priced' ? ` (${job.cost_status})` : ''}`
  if (job.reserved_usd !== null && job.reserved_usd > 0) return `${usd(job.reserved_usd)} reserved`
  return 'not billed yet'
}

/** A warning while the job's results can still be fetched but not for long; undefined otherwise. */
export function expiryWarning(job: DashboardJobView, now: number): string | undefined {
  if (!job.result_expires_at || job.status === 'expired' || job.status === 'failed' || job.status === 'canceled') return undefined
  const left = Date.parse(job.result_expires_at) - now
  if (left <= 0 || left > EXPIRY_WARNING_MS) return undefined
  return `results expire in ${ageText(now - left, now)}`
}

export const jobsPage: Page = async (root, ctx) => {
  const zone = ctx.identity.time_zone
  const status = STATUSES.includes(ctx.params.get('status') as JobStatusName) ? (ctx.params.get('status') as JobStatusName) : ''
  const [first, keys] = await Promise.all([api<DashboardJobsPage>(`/jobs${query({ status, limit: PAGE_SIZE })}`), api<{ data: KeyWithBudget[] }>('/keys')])
  const names = new Map(keys.data.map((k) => [k.id, k.name]))
  const now = Date.now()
  const filter = h(
    'form',
    { class: 'controls', 'aria-label': 'Filters', onsubmit: (e: Event) => e.preventDefault() },
    h(
      'label',
      { for: 'j-status' },
      h('span', {}, 'Status'),
      h(
        'select',
        { id: 'j-status', name: 'status', onchange: (e: Event) => ctx.setParams({ status: (e.target as HTMLSelectElement).value || undefined }) },
        h('option', { value: '', selected: status === '' }, 'Any (in flight first)'),
        STATUSES.map((s) => h('option', { value: s, selected: s === status }, s)),
      ),
    ),
  )
  const heading = () => [h('h2', {}, 'Jobs'), filter]
  if (first.in_flight.length === 0 && first.data.length === 0) {
    const next =
      status !== ''
        ? 'No job has this status: choose another status or "Any".'
        : 'Async jobs (video and image tasks, batches) submitted through the gateway appear here with their status and cost, e.g. POST /openai/v1/batches with a key of this organization.'
    replace(root, ...heading(), emptyState(status ? `No ${status} jobs` : 'No async jobs yet', next))
    return
  }

  const headers = ['Job', 'Provider', 'Model', 'Kind', 'Status', 'Age', 'Cost', 'Key', 'Results']
  const shown: DashboardJobView[] = []
  const body = h('tbody', {})
  const exportHolder = h('div', {})
  const cells = (job: DashboardJobView) => {
    const warning = expiryWarning(job, now)
    const results = job.result_expires_at ? `until ${dateTime(job.result_expires_at, zone)}` : '-'
    return { warning, results, values: [job.id, job.provider, job.model ?? '-', job.kind, job.raw_status && job.raw_status !== job.status ? `${job.status} (${job.raw_status})` : job.status, ageText(Date.parse(job.created_at), now), costText(job), names.get(job.key_id) ?? job.key_id] }
  }
  const renderExport = () =>
    replace(
      exportHolder,
      csvButton(
        `jobs${status ? `-${status}` : ''}.csv`,
        ['id', 'provider', 'model', 'kind', 'status', 'raw_status', 'created_at', 'age', 'cost', 'cost_usd', 'reserved_usd', 'key', 'result_expires_at', 'warning'],
        shown.map((job) => {
          const c = cells(job)
          return [job.id, job.provider, job.model, job.kind, job.status, job.raw_status, job.created_at, c.values[5], c.values[6], job.cost_usd, job.reserved_usd, c.values[7], job.result_expires_at, c.warning ?? '']
        }),
      ),
    )
  const add = (jobs: DashboardJobView[], inFlight: boolean) => {
    for (const job of jobs) {
      shown.push(job)
      const c = cells(job)
      body.appendChild(
        h(
          'tr',
          { 'data-job-id': job.id, 'data-status': job.status, class: inFlight ? 'in-flight' : '' },
          h('td', {}, h('code', {}, job.id)),
          c.values.slice(1).map((value, i) => h('td', { class: i === 3 ? `job-status job-${job.status}` : '' }, value)),
          h('td', {}, c.warning ? h('span', { class: 'warning', role: 'note', 'data-testid': 'expiry-warning' }, `⚠ ${c.warning}`) : c.results),
        ),
      )
    }
    renderExport()
  }
  add(first.in_flight, true)
  add(first.data, false)
  const more = h('button', { type: 'button', class: 'secondary', 'data-testid': 'load-more' }, 'Load more')
  let cursor = first.next_cursor
  more.hidden = cursor === null
  more.addEventListener('click', async () => {
    if (!cursor) return
    more.setAttribute('disabled', '')
    const page = await api<DashboardJobsPage>(`/jobs${query({ status, limit: PAGE_SIZE, cursor })}`)
    add(page.data, false)
    cursor = page.next_cursor
    more.removeAttribute('disabled')
    more.hidden = cursor === null
  })
  const inFlightCount = first.in_flight.length
  replace(
    root,
    ...heading(),
    status === '' ? h('p', { class: 'muted', 'data-testid': 'in-flight-count' }, `${inFlightCount} in flight, listed first; then the others, newest first.`) : null,
    h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'jobs-table' }, h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, name)))), body)),
    h('div', { class: 'row' }, more, exportHolder),
  )
}
