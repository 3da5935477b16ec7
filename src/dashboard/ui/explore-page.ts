// Explore: one metric, grouped by provider, model, key or user, in hour or zone-day buckets, optionally cumulative, with provider/model/key/user/tag/status filters; every choice in the URL.
import { destroyCharts, lineChart } from './chart.ts'
import { csvButton } from './csv.ts'
import { emptyState, h, replace, table } from './dom.ts'
import { count, usd } from './format.ts'
import type { Page } from './page.ts'
import { rangeChoice, rangeControls } from './range-controls.ts'
import { FILTER_NAMES, METRICS, metricOf, seriesOf, usage, type Filter, type Metric, type UsageRow, seriesGroup } from './usage-data.ts'

const GROUPS: [string, string][] = [['', 'Nothing'], ['provider', 'Provider'], ['model', 'Model'], ['key', 'Key'], ['user', 'User']]
const LIMITS = ['3', '5', '10']

function groupFilter(groupBy: string, row: UsageRow): Filter {
  if (groupBy === 'provider') return { provider: row.group }
  if (groupBy === 'model') return { model: row.group }
  if (groupBy === 'user') return { user: row.group }
  return { key: row.group }
}

const cumulative = (values: number[]) => {
  let sum = 0
  return values.map((v) => (sum += v))
}

export const explorePage: Page = async (root, ctx) => {
  const zone = ctx.identity.time_zone
  const choice = rangeChoice(ctx, Date.now())
  const { range, grain } = choice
  const metric = (METRICS.find((m) => m.id === ctx.params.get('metric'))?.id ?? 'cost') as Metric
  const groups = ctx.identity.role === 'key' ? GROUPS.filter(([id]) => id !== 'key') : GROUPS
  const groupBy = groups.some(([id]) => id === ctx.params.get('group')) ? ctx.params.get('group')! : ''
  const limit = Number(LIMITS.includes(ctx.params.get('limit') ?? '') ? ctx.params.get('limit') : '5')
  const running = ctx.params.get('cumulative') === '1'
  const filter: Filter = {}
  for (const name of FILTER_NAMES) {
    const value = ctx.params.get(name)
    if (value) filter[name] = value
  }
  if (filter.status !== 'ok' && filter.status !== 'error') delete filter.status
  const pick = (name: string, label: string, options: [string, string][], value: string) =>
    h('label', { for: `x-${name}` }, h('span', {}, label), h('select', { id: `x-${name}`, name, onchange: (e: Event) => ctx.setParams({ [name]: (e.target as HTMLSelectElement).value || undefined }) }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))))
  const filters = h(
    'form',
    {
      class: 'controls',
      'aria-label': 'Filters',
      onsubmit: (event: Event) => {
        event.preventDefault()
        const data = new FormData(event.target as HTMLFormElement)
        const value = (name: string) => String(data.get(name) ?? '').trim() || undefined
        ctx.setParams({ provider: value('provider'), model: value('model'), user: value('user'), tag: value('tag'), status: value('status'), ...(ctx.identity.role === 'key' ? {} : { key: value('key') }) })
      },
    },
    pick('metric', 'Metric', METRICS.map((m) => [m.id, m.label]), metric),
    pick('group', 'Group by', groups, groupBy),
    pick('limit', 'Lines', LIMITS.map((l) => [l, `top ${l}`]), String(limit)),
    h('label', { for: 'x-cumulative', class: 'inline' }, h('span', {}, 'Cumulative'), h('input', { type: 'checkbox', id: 'x-cumulative', checked: running, onchange: (e: Event) => ctx.setParams({ cumulative: (e.target as HTMLInputElement).checked ? '1' : undefined }) })),
    h('label', { for: 'x-provider' }, h('span', {}, 'Provider'), h('input', { id: 'x-provider', name: 'provider', value: filter.provider ?? '', placeholder: 'any' })),
    h('label', { for: 'x-model' }, h('span', {}, 'Model'), h('input', { id: 'x-model', name: 'model', value: filter.model ?? '', placeholder: 'any' })),
    ctx.identity.role === 'key' ? null : h('label', { for: 'x-key' }, h('span', {}, 'Key (id or name)'), h('input', { id: 'x-key', name: 'key', value: filter.key ?? '', placeholder: 'any' })),
    h('label', { for: 'x-user' }, h('span', {}, 'User'), h('input', { id: 'x-user', name: 'user', value: filter.user ?? '', placeholder: 'any' })),
    h('label', { for: 'x-tag' }, h('span', {}, 'Tag'), h('input', { id: 'x-tag', name: 'tag', value: filter.tag ?? '', placeholder: 'any' })),
    h('label', { for: 'x-status' }, h('span', {}, 'Status'), h('select', { id: 'x-status', name: 'status' }, [['', 'Any'], ['ok', 'Succeeded (< 400)'], ['error', 'Failed (>= 400)']].map(([v, text]) => h('option', { value: v!, selected: (filter.status ?? '') === v }, text!)))),
    h('button', { type: 'submit' }, 'Apply filters'),
  )
  replace(root, h('h2', {}, 'Explore'), rangeControls(ctx, choice), filters, h('p', { class: 'loading' }, 'Loading…'))

  const [total, grouped] = await Promise.all([usage(seriesGroup(grain), range.from, range.to, filter), groupBy ? usage(groupBy, range.from, range.to, filter) : undefined])
  const format = metric === 'cost' ? usd : count
  destroyCharts()
  if (total.totals.requests === 0) {
    replace(root, h('h2', {}, 'Explore'), rangeControls(ctx, choice), filters, emptyState('Nothing matches', 'Widen the dates or clear a filter.'))
    return
  }
  const all = seriesOf(total, range, grain, zone)
  // Requests without a user form the group "" (shown in the table): no filter selects them alone, so they draw no line.
  const top = grouped ? [...grouped.data].filter((row) => row.group !== '').sort((a, b) => metricOf(b, metric) - metricOf(a, metric)).slice(0, limit) : []
  const reports = await Promise.all(top.map((row) => usage(seriesGroup(grain), range.from, range.to, { ...filter, ...groupFilter(groupBy, row) })))
  const lines = grouped
    ? reports.map((report, i) => ({ label: top[i]!.name ?? top[i]!.group, values: seriesOf(report, range, grain, zone).rows.map((row) => metricOf(row, metric)) }))
    : [{ label: 'All', values: all.rows.map((row) => metricOf(row, metric)) }]
  const shown = running ? lines.map((line) => ({ ...line, values: cumulative(line.values) })) : lines
  const rows = (grouped?.data ?? [total.totals]).map((row) => [row.name ?? (grouped ? row.group || '(none)' : 'All'), metricOf(row, metric)] as [string, number])
  const metricLabel = METRICS.find((m) => m.id === metric)!.label
  replace(
    root,
    h('h2', {}, 'Explore'),
    rangeControls(ctx, choice),
    filters,
    h('div', { class: 'cards' }, h('div', { class: 'card', 'data-testid': 'explore-total', 'data-value': String(metricOf(total.totals, metric)) }, h('div', { class: 'card-label' }, `${metricLabel}, total`), h('div', { class: 'card-value' }, format(metricOf(total.totals, metric))))),
    h('div', { class: 'charts single' }, lineChart({ title: `${metricLabel}${running ? ' (cumulative)' : ''}`, xs: all.starts, series: shown, zone, format })),
    table([groupBy ? (GROUPS.find(([id]) => id === groupBy)?.[1] ?? 'Group') : 'Scope', metricLabel], rows.map(([label, value]) => [label, format(value)]), { 'data-testid': 'explore-table' }),
    csvButton(`explore-${metric}-${groupBy || 'all'}.csv`, [groupBy || 'scope', metric], rows),
  )
}
