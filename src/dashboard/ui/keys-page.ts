// Keys: every key of the org (revoked and expired ones too) with limits and current-period spend; a page per key with its own charts; admins create (secret shown once), edit and revoke.
import { BUDGET_PERIODS, DEFAULT_BUDGET_PERIOD } from '../../limits/period.ts'
import type { KeyWithBudget } from '../../types/dashboard-api.ts'
import { api, ApiError } from './api.ts'
import { destroyCharts, lineChart } from './chart.ts'
import { csvButton } from './csv.ts'
import { emptyState, h, replace, table } from './dom.ts'
import { count, dateTime, usd } from './format.ts'
import type { Page, PageContext } from './page.ts'
import { rangeChoice, rangeControls } from './range-controls.ts'
import { seriesOf, usage, seriesGroup } from './usage-data.ts'

/** A key with its budget, as the server answers it (src/types/dashboard-api.ts). */
export type KeyView = KeyWithBudget

const display = (key: KeyView) => `${key.prefix}…${key.last4}`
const statusOf = (key: KeyView) => (key.status === 'revoked' ? 'revoked' : key.expires_at && Date.parse(key.expires_at) <= Date.now() ? 'expired' : 'active')
const limitsOf = (key: KeyView) => [key.rpm && `${key.rpm} rpm`, key.tpm && `${key.tpm} tpm`, key.max_concurrency && `${key.max_concurrency} concurrent`].filter(Boolean).join(', ') || 'none'
const spendOf = (key: KeyView) => (key.budget ? `${usd(key.budget.spent_usd)} of ${usd(key.budget.limit_usd)} (${key.budget.period})` : 'no budget')

function errorBox(error: unknown): HTMLElement {
  return h('p', { class: 'error', role: 'alert' }, error instanceof ApiError ? error.message : 'Something went wrong.')
}

const optionalNumber = (value: FormDataEntryValue | null) => (String(value ?? '').trim() === '' ? null : Number(value))
const patterns = (value: FormDataEntryValue | null) => String(value ?? '').split(',').map((p) => p.trim()).filter(Boolean)

/** The settings form shared by create and edit; blank limits mean none. */
function keyForm(key: KeyView | undefined, submitLabel: string, onSubmit: (body: Record<string, unknown>, form: HTMLFormElement) => Promise<void>): HTMLFormElement {
  const field = (name: string, label: string, value: string, attrs: Record<string, string> = {}) =>
    h('label', { for: `key-${name}` }, h('span', {}, label), h('input', { id: `key-${name}`, name, value, ...attrs }))
  const status = h('div', { 'aria-live': 'polite' })
  const form = h(
    'form',
    {
      class: 'key-form',
      onsubmit: async (event: Event) => {
        event.preventDefault()
        const data = new FormData(form)
        const body: Record<string, unknown> = {
          name: String(data.get('name') ?? '').trim() || undefined,
          models: patterns(data.get('models')),
          rpm: optionalNumber(data.get('rpm')),
          tpm: optionalNumber(data.get('tpm')),
          max_concurrency: optionalNumber(data.get('max_concurrency')),
          budget_usd: optionalNumber(data.get('budget_usd')),
        }
        if (body.budget_usd !== null) body.budget_period = String(data.get('budget_period') || DEFAULT_BUDGET_PERIOD)
        if ((body.models as string[]).length === 0) delete body.models
        try {
          await onSubmit(body, form)
        } catch (error) {
          replace(status, errorBox(error))
        }
      },
    },
    field('name', 'Name', key?.name ?? '', { required: 'true', maxlength: '100' }),
    field('models', 'Allowed models (comma-separated patterns)', (key?.models ?? ['*']).join(', ')),
    field('rpm', 'Requests per minute', key?.rpm?.toString() ?? '', { type: 'number', min: '1' }),
    field('tpm', 'Tokens per minute', key?.tpm?.toString() ?? '', { type: 'number', min: '1' }),
    field('max_concurrency', 'Max concurrent requests', key?.max_concurrency?.toString() ?? '', { type: 'number', min: '1' }),
    field('budget_usd', 'Budget (USD)', key?.budget_usd?.toString() ?? '', { type: 'number', min: '0', step: '0.01' }),
    h('label', { for: 'key-budget_period' }, h('span', {}, 'Budget period'), h('select', { id: 'key-budget_period', name: 'budget_period' }, BUDGET_PERIODS.map((p) => h('option', { value: p, selected: (key?.budget_period ?? DEFAULT_BUDGET_PERIOD) === p }, p)))),
    h('button', { type: 'submit' }, submitLabel),
    status,
  )
  return form
}

async function keyList(root: HTMLElement, ctx: PageContext): Promise<void> {
  const { data: keys } = await api<{ data: KeyView[] }>('/keys')
  const isAdmin = ctx.identity.role === 'admin'
  const created = h('div', { 'aria-live': 'polite' })
  const createSection = isAdmin
    ? h(
        'details',
        { class: 'create', 'data-testid': 'create-key' },
        h('summary', {}, 'Create a key'),
        keyForm(undefined, 'Create key', async (body, form) => {
          const key = await api<KeyView & { key: string }>('/keys', { method: 'POST', body })
          form.reset()
          replace(
            created,
            h(
              'div',
              { class: 'secret', role: 'alert', 'data-testid': 'new-secret' },
              h('p', {}, `Key "${key.name}" created. Copy the secret now: it is shown only this once.`),
              h('code', {}, key.key),
              h('p', {}, h('a', { href: `#/keys/${key.id}` }, 'Open the key')),
            ),
          )
        }),
      )
    : null
  const headers = ['Name', 'Key', 'Status', 'Allowed models', 'Limits', 'Spend this period', 'Last used', 'Expires']
  const zone = ctx.identity.time_zone
  replace(
    root,
    h('h2', {}, 'Keys'),
    created,
    createSection,
    keys.length === 0
      ? emptyState('No keys yet', isAdmin ? 'Create the first key above, then send requests through the gateway with it.' : 'An admin of this organization can create keys here or with `sociaro keys create --org ' + ctx.identity.org_name + '`.')
      : table(
          headers,
          keys.map((key) => [
            h('a', { href: `#/keys/${key.id}` }, key.name),
            h('code', {}, display(key)),
            h('span', { class: `status status-${statusOf(key)}` }, statusOf(key)),
            key.models.join(', '),
            limitsOf(key),
            spendOf(key),
            key.last_used_at ? dateTime(key.last_used_at, zone) : 'never',
            key.expires_at ? dateTime(key.expires_at, zone) : 'never',
          ]),
          { 'data-testid': 'keys-table' },
        ),
    keys.length > 0 ? csvButton('keys.csv', headers, keys.map((key) => [key.name, display(key), statusOf(key), key.models.join(' '), limitsOf(key), spendOf(key), key.last_used_at ?? '', key.expires_at ?? ''])) : null,
  )
}

async function keyDetail(root: HTMLElement, ctx: PageContext, id: string): Promise<void> {
  const zone = ctx.identity.time_zone
  const key = await api<KeyView>(`/keys/${encodeURIComponent(id)}`)
  const choice = rangeChoice(ctx, Date.now())
  const report = await usage(seriesGroup(choice.grain), choice.range.from, choice.range.to, { key: key.id })
  const series = seriesOf(report, choice.range, choice.grain, zone)
  const isAdmin = ctx.identity.role === 'admin' && key.status === 'active'
  const notice = h('div', { 'aria-live': 'polite' })
  destroyCharts()
  replace(
    root,
    h('p', {}, h('a', { href: '#/keys' }, '← All keys')),
    h('h2', {}, `Key ${key.name}`),
    h(
      'dl',
      { class: 'facts', 'data-testid': 'key-facts' },
      [
        ['Key', display(key)],
        ['Status', statusOf(key)],
        ['Allowed models', key.models.join(', ')],
        ['Limits', limitsOf(key)],
        ['Spend this period', spendOf(key)],
        ['Created', dateTime(key.created_at, zone)],
        ['Last used', key.last_used_at ? dateTime(key.last_used_at, zone) : 'never'],
        ['Expires', key.expires_at ? dateTime(key.expires_at, zone) : 'never'],
      ].flatMap(([term, value]) => [h('dt', {}, term!), h('dd', {}, value!)]),
    ),
    rangeControls(ctx, choice),
    h(
      'div',
      { class: 'cards' },
      h('div', { class: 'card', 'data-testid': 'key-total-cost', 'data-value': String(report.totals.cost_micros / 1_000_000) }, h('div', { class: 'card-label' }, 'Spend'), h('div', { class: 'card-value' }, usd(report.totals.cost_usd))),
      h('div', { class: 'card', 'data-testid': 'key-total-requests', 'data-value': String(report.totals.requests) }, h('div', { class: 'card-label' }, 'Requests'), h('div', { class: 'card-value' }, count(report.totals.requests))),
    ),
    report.totals.requests === 0
      ? emptyState('No usage in this range', 'Requests made with this key show up here within seconds.')
      : h(
          'div',
          { class: 'charts' },
          lineChart({ title: 'Spend (USD)', xs: series.starts, series: [{ label: key.name, values: series.rows.map((r) => (r ? r.cost_micros / 1_000_000 : 0)) }], zone, format: usd }),
          lineChart({ title: 'Requests', xs: series.starts, series: [{ label: key.name, values: series.rows.map((r) => r?.requests ?? 0) }], zone, format: count }),
        ),
    h('p', {}, h('a', { href: `#/requests?key=${encodeURIComponent(key.id)}` }, 'Requests made with this key')),
    notice,
    isAdmin
      ? h(
          'section',
          { class: 'admin-actions', 'data-testid': 'key-admin' },
          h('h3', {}, 'Change this key'),
          keyForm(key, 'Save changes', async (body) => {
            await api(`/keys/${encodeURIComponent(key.id)}`, { method: 'PATCH', body })
            replace(notice, h('p', { class: 'ok', role: 'status' }, 'Saved: in force for the next request.'))
            await keyDetail(root, ctx, id)
            root.querySelector('[aria-live]')?.replaceChildren(h('p', { class: 'ok', role: 'status' }, 'Saved: in force for the next request.'))
          }),
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              'data-testid': 'revoke-key',
              onclick: async () => {
                if (!confirm(`Revoke key "${key.name}"? Requests with it are refused at once; this cannot be undone.`)) return
                try {
                  await api(`/keys/${encodeURIComponent(key.id)}/revoke`, { method: 'POST', body: {} })
                  await keyDetail(root, ctx, id)
                } catch (error) {
                  replace(notice, errorBox(error))
                }
              },
            },
            'Revoke key',
          ),
        )
      : null,
  )
}

export const keysPage: Page = async (root, ctx) => (ctx.rest[0] ? keyDetail(root, ctx, ctx.rest[0]) : keyList(root, ctx))
