// Budget burn: spend so far this budget period against the limit, and where the current pace ends by the period's end.
import type { BudgetState } from '../../types/dashboard-api.ts'
import { api } from './api.ts'
import { h } from './dom.ts'
import { dateOnly, usd } from './format.ts'

export type { BudgetState }

/** Spend at the same pace until the end: spent ÷ elapsed × length. Null for a period with no end. */
export function projectedSpend(budget: BudgetState, now: number): number | null {
  if (!budget.period_end) return null
  const start = Date.parse(budget.period_start)
  const end = Date.parse(budget.period_end)
  const elapsed = Math.max(1, Math.min(now, end) - start)
  return (budget.spent_usd / elapsed) * (end - start)
}

export async function budgetBurn(zone: string): Promise<HTMLElement | null> {
  const { scope, budget } = await api<{ scope: 'org' | 'key'; budget: BudgetState | null }>('/budget')
  const who = scope === 'org' ? 'Organization budget' : 'Key budget'
  if (!budget) return h('p', { class: 'muted', 'data-testid': 'budget' }, `${who}: none set.`)
  const projected = projectedSpend(budget, Date.now())
  const used = Math.min(100, (100 * budget.spent_usd) / Math.max(budget.limit_usd, 1e-9))
  const over = projected !== null && projected > budget.limit_usd
  return h(
    'div',
    { class: 'card budget', 'data-testid': 'budget', 'data-spent': String(budget.spent_usd), 'data-limit': String(budget.limit_usd) },
    h('div', { class: 'card-label' }, `${who}, this ${budget.period} (since ${dateOnly(Date.parse(budget.period_start), zone)})`),
    h('div', { class: 'card-value' }, `${usd(budget.spent_usd)} of ${usd(budget.limit_usd)}`),
    h('progress', { max: '100', value: used.toFixed(1), 'aria-label': `${used.toFixed(0)}% of the budget used` }),
    h(
      'div',
      { class: over ? 'card-change bad-text' : 'card-change muted' },
      projected === null ? `${usd(budget.reserved_usd)} reserved by requests in flight.` : `At this pace: ${usd(projected)} by ${dateOnly(Date.parse(budget.period_end!) - 1, zone)}${over ? ', over the budget' : ''}.`,
    ),
  )
}
