// Overview: spend, requests, tokens and errors over time (hour or zone-day buckets), split by provider, model or key; totals against the previous period; the estimated and unpriced shares always shown.
import { budgetBurn } from './budget-burn.ts'
import { destroyCharts, lineChart } from './chart.ts'
import { csvButton } from './csv.ts'
import { emptyState, h, replace, table } from './dom.ts'
import { change, count, percent, usd } from './format.ts'
import type { Page } from './page.ts'
import { rangeChoice, rangeControls } from './range-controls.ts'
import { METRICS, metricOf, seriesOf, usage, type Filter, type UsageReport, type UsageRow, seriesGroup } from './usage-data.ts'
import { zoneOffset } from './zone-time.ts'

/** Groups drawn as their own line; the rest are summed as "other". */
const TOP_GROUPS = 5

const SPLITS: [string, string][] = [['', 'Nothing'], ['provider', 'Provider'], ['model', 'Model'], ['key', 'Key']]

function filterFor(split: string, row: UsageRow): Filter {
  if (split === 'provider') return { provider: row.group }
  if (split === 'model') return { model: row.group }
  return { key: row.group }
}

const labelOf = (row: UsageRow) => (row.name ? `${row.name}` : row.group)

function totalCard(id: string, label: string, now: number, before: number, format: (n: number) => string): HTMLElement {
  return h(
    'div',
    { class: 'card', 'data-testid': `total-${id}`, 'data-value': String(now), 'data-previous': String(before) },
    h('div', { class: 'card-label' }, label),
    h('div', { class: 'card-value' }, format(now)),
    h('div', { class: 'card-change muted' }, `${change(now, before)} vs previous period (${format(before)})`),
  )
}

export const overviewPage: Page = async (root, ctx) => {
  const zone = ctx.identity.time_zone
  const choice = rangeChoice(ctx, Date.now())
  const { range, grain, split } = choice
  const splits = ctx.identity.role === 'key' ? SPLITS.filter(([id]) => id !== 'key') : SPLITS
  replace(root, h('h2', {}, 'Overview'), rangeControls(ctx, choice, { splits }), h('p', { class: 'loading' }, 'Loading usage…'))

  const [hourly, previous, groups, budget] = await Promise.all([
    usage(seriesGroup(grain), range.from, range.to),
    usage('provider', range.previousFrom, range.previousTo),
    usage(split || 'provider', range.from, range.to),
    budgetBurn(zone),
  ])
  const totals = hourly.totals
  const before = previous.totals
  const top = [...groups.data].sort((a, b) => b.cost_micros - a.cost_micros || b.requests - a.requests).slice(0, TOP_GROUPS)
  const perGroup: UsageReport[] = split ? await Promise.all(top.map((row) => usage(seriesGroup(grain), range.from, range.to, filterFor(split, row)))) : []

  const all = seriesOf(hourly, range, grain, zone)
  const lines = (metric: (typeof METRICS)[number]['id']) => {
    if (!split) return [{ label: 'All', values: all.rows.map((row) => metricOf(row, metric)) }]
    const drawn = perGroup.map((report, i) => ({ label: labelOf(top[i]!), values: seriesOf(report, range, grain, zone).rows.map((row) => metricOf(row, metric)) }))
    const other = all.rows.map((row, at) => metricOf(row, metric) - drawn.reduce((n, line) => n + line.values[at]!, 0))
    return other.some((v) => Math.abs(v) > 1e-9) ? [...drawn, { label: 'Other', values: other }] : drawn
  }

  const quality = h(
    'p',
    { class: 'quality', 'data-testid': 'cost-quality', role: 'note' },
    `Of ${count(totals.requests)} requests, ${count(totals.estimated_requests)} (${percent(totals.estimated_requests, totals.requests)}) have estimated usage and `,
    `${count(totals.unpriced_requests)} (${percent(totals.unpriced_requests, totals.requests)}) are unpriced: their cost is not in the spend shown.`,
  )
  const misaligned = zoneOffset(range.from, zone) % 3_600_000 !== 0
  const cards = h(
    'div',
    { class: 'cards' },
    totalCard('cost', 'Spend', totals.cost_micros / 1_000_000, before.cost_micros / 1_000_000, usd),
    totalCard('requests', 'Requests', totals.requests, before.requests, count),
    totalCard('tokens', 'Tokens', totals.input_tokens + totals.output_tokens, before.input_tokens + before.output_tokens, count),
    totalCard('errors', 'Errors', totals.errors, before.errors, count),
  )
  destroyCharts()
  if (totals.requests === 0) {
    const next = ctx.identity.role === 'admin' ? 'Create a key on the Keys page, then send a request through the gateway with it; it shows up here within seconds.' : 'Send a request through the gateway with a key of this organization; it shows up here within seconds.'
    replace(root, h('h2', {}, 'Overview'), rangeControls(ctx, choice, { splits }), cards, quality, budget, emptyState('No usage in this range', next))
    return
  }
  const breakdownHeaders = [split ? (SPLITS.find(([id]) => id === split)?.[1] ?? 'Group') : 'Provider', 'Spend', 'Requests', 'Tokens', 'Errors', 'Estimated', 'Unpriced']
  const breakdownRows = groups.data.map((row) => [labelOf(row), usd(row.cost_usd), count(row.requests), count(row.input_tokens + row.output_tokens), count(row.errors), count(row.estimated_requests), count(row.unpriced_requests)])
  replace(
    root,
    h('h2', {}, 'Overview'),
    rangeControls(ctx, choice, { splits }),
    cards,
    quality,
    budget,
    misaligned ? h('p', { class: 'warning' }, `${zone} is not a whole number of hours from UTC: day buckets are summed from UTC hours and can be off by that fraction of an hour at each end.`) : null,
    h('div', { class: 'charts' }, METRICS.map((metric) => lineChart({ title: metric.label, xs: all.starts, series: lines(metric.id), zone, format: metric.id === 'cost' ? usd : count }))),
    h('h3', {}, `By ${breakdownHeaders[0]!.toLowerCase()}`),
    table(breakdownHeaders, breakdownRows, { 'data-testid': 'breakdown' }),
    csvButton(`usage-${split || 'provider'}.csv`, breakdownHeaders, groups.data.map((row) => [labelOf(row), row.cost_usd, row.requests, row.input_tokens + row.output_tokens, row.errors, row.estimated_requests, row.unpriced_requests])),
  )
}
