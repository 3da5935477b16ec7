// Requests: the request log with server-side filters (key, provider, model, time) and cursor pagination, one page per request, and a detail view of each.
import type { CostBreakdown, CostPart, RequestDetail, RequestLogEntry, RequestsPage } from '../../types/dashboard-api.ts'
import { api, query } from './api.ts'
import { csvButton } from './csv.ts'
import { emptyState, h, replace, table } from './dom.ts'
import { count, dateTime, usd } from './format.ts'
import type { KeyView } from './keys-page.ts'
import type { Page, PageContext } from './page.ts'
import { rangeChoice } from './range-controls.ts'
import { dayKey } from './zone-time.ts'

type RequestEntry = RequestLogEntry

const PAGE_SIZE = 50
/** As stored (src/db/schema.ts COST_STATUSES): the server refuses anything else. */
const COST_STATUSES = ['priced', 'estimated', 'unpriced', 'no_usage', 'mock', 'refused']
const costText = (r: RequestEntry) => (r.cost_usd === null ? `unpriced` : `${usd(r.cost_usd)}${r.cost_status === 'priced' ? '' : ` (${r.cost_status})`}`)

const KIND_NAMES: Record<CostPart['kind'], string> = {
  cached_input: 'Cached input',
  cache_write: 'Cache write',
  input: 'Input (uncached)',
  output: 'Output',
  reasoning: 'Reasoning',
  media: 'Media',
}

/** The cost by kind as the server priced it from the stored counts, and whether it adds up to the stored cost. */
function breakdownView(breakdown: CostBreakdown): HTMLElement {
  const money = (micros: number | null) => (micros === null ? 'unknown' : usd(micros / 1_000_000))
  return h(
    'section',
    { 'data-testid': 'cost-breakdown', 'aria-label': 'Cost by token kind' },
    h('h4', {}, 'Cost by kind'),
    breakdown.parts.length === 0
      ? h('p', { class: 'muted' }, breakdown.note)
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            {},
            h('thead', {}, h('tr', {}, ['Kind', 'Quantity', 'Cost'].map((name) => h('th', { scope: 'col' }, name)))),
            h(
              'tbody',
              {},
              breakdown.parts.map((part) => h('tr', { 'data-kind': part.kind, 'data-micros': part.cost_micros === null ? '' : String(part.cost_micros) }, h('td', {}, KIND_NAMES[part.kind]), h('td', {}, `${count(part.quantity)} ${part.unit}`), h('td', {}, money(part.cost_micros)))),
              h('tr', { 'data-kind': 'total' }, h('th', { scope: 'row' }, 'Total'), h('td', {}, ''), h('td', {}, money(breakdown.priced_micros))),
            ),
          ),
        ),
    breakdown.parts.length > 0 ? h('p', { class: breakdown.matches_stored ? 'muted' : 'warning' }, `${breakdown.matches_stored ? 'Matches the stored cost.' : `Stored cost: ${money(breakdown.stored_micros)}.`} ${breakdown.note}.`) : null,
  )
}

function detail(entry: RequestEntry, zone: string, keyName: (id: string) => string, close: () => void, breakdown?: CostBreakdown): HTMLElement {
  const facts: [string, string][] = [
    ['Request id', entry.request_id],
    ['Started', dateTime(entry.started_at, zone)],
    ['Key', keyName(entry.key_id)],
    ['Provider / model', `${entry.provider} / ${entry.model ?? '-'}`],
    ['Endpoint', `${entry.method} ${entry.endpoint}${entry.streamed ? ' (streamed)' : ''}`],
    ['Status', `${entry.status}${entry.error_code ? ` (${entry.error_code})` : ''}`],
    ['Ended by', `${entry.ended_by}${entry.partial ? ', partial' : ''}`],
    ['Latency', `${count(entry.duration_ms)} ms total, ${entry.ttfb_ms === null ? '-' : `${count(entry.ttfb_ms)} ms`} to first byte`],
    ['Input tokens', count(entry.input_tokens)],
    ['Output tokens', count(entry.output_tokens)],
    ['Cache read / write tokens', `${count(entry.cache_read_tokens)} / ${count(entry.cache_write_tokens)}`],
    ['Reasoning tokens', count(entry.reasoning_tokens)],
    ['Cost', costText(entry)],
    ['Usage from', entry.usage_source],
    ['Price from', entry.price_source ?? '-'],
    ['Cost note', entry.cost_detail ?? '-'],
    ['User', entry.user ?? '-'],
    ['Tags', entry.tags.join(', ') || '-'],
  ]
  return h(
    'section',
    { class: 'detail', 'data-testid': 'request-detail', 'aria-label': 'Request detail', tabindex: '-1' },
    h('h3', {}, 'Request detail'),
    h('dl', { class: 'facts' }, facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    breakdown ? breakdownView(breakdown) : h('p', { class: 'loading' }, 'Pricing by kind…'),
    h('button', { type: 'button', class: 'secondary', onclick: close }, 'Close'),
  )
}

export const requestsPage: Page = async (root, ctx: PageContext) => {
  const zone = ctx.identity.time_zone
  const { range } = rangeChoice(ctx, Date.now())
  const filter = {
    key: ctx.params.get('key') ?? undefined,
    provider: ctx.params.get('provider') ?? undefined,
    model: ctx.params.get('model') ?? undefined,
    status: ctx.params.get('status') ?? undefined,
    cost_status: ctx.params.get('cost_status') ?? undefined,
  }
  const { data: keys } = await api<{ data: KeyView[] }>('/keys')
  const names = new Map(keys.map((k) => [k.id, `${k.name} (${k.prefix}…${k.last4})`]))
  const keyName = (id: string) => names.get(id) ?? id
  const fetchPage = (cursor?: string) =>
    api<RequestsPage>(`/requests${query({ ...filter, from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), limit: PAGE_SIZE, cursor })}`)

  const form = h(
    'form',
    {
      class: 'controls',
      'aria-label': 'Filters',
      onsubmit: (event: Event) => {
        event.preventDefault()
        const data = new FormData(form)
        const value = (name: string) => String(data.get(name) ?? '').trim() || undefined
        ctx.setParams({ key: value('key'), provider: value('provider'), model: value('model'), status: value('status'), cost_status: value('cost_status'), from: value('from'), to: value('to'), range: undefined })
      },
    },
    ctx.identity.role === 'key'
      ? null
      : h('label', { for: 'f-key' }, h('span', {}, 'Key'), h('select', { id: 'f-key', name: 'key' }, h('option', { value: '' }, 'Any key'), keys.map((k) => h('option', { value: k.id, selected: filter.key === k.id }, names.get(k.id)!)))),
    h('label', { for: 'f-provider' }, h('span', {}, 'Provider'), h('input', { id: 'f-provider', name: 'provider', value: filter.provider ?? '', placeholder: 'e.g. openai' })),
    h('label', { for: 'f-model' }, h('span', {}, 'Model'), h('input', { id: 'f-model', name: 'model', value: filter.model ?? '', placeholder: 'e.g. openai/gpt-4o-mini' })),
    h('label', { for: 'f-status' }, h('span', {}, 'Status'), h('select', { id: 'f-status', name: 'status' }, [['', 'Any'], ['ok', 'Succeeded (< 400)'], ['error', 'Failed (>= 400)']].map(([v, text]) => h('option', { value: v!, selected: (filter.status ?? '') === v }, text!)))),
    h('label', { for: 'f-cost' }, h('span', {}, 'Cost status'), h('select', { id: 'f-cost', name: 'cost_status' }, ['', ...COST_STATUSES].map((v) => h('option', { value: v, selected: (filter.cost_status ?? '') === v }, v || 'Any')))),
    h('label', { for: 'f-from' }, h('span', {}, 'From'), h('input', { type: 'date', id: 'f-from', name: 'from', value: dayKey(range.from, zone) })),
    h('label', { for: 'f-to' }, h('span', {}, 'To'), h('input', { type: 'date', id: 'f-to', name: 'to', value: dayKey(range.to - 1, zone) })),
    h('button', { type: 'submit' }, 'Apply filters'),
  )
  replace(root, h('h2', {}, 'Requests'), form, h('p', { class: 'loading' }, 'Loading requests…'))

  const shown: RequestEntry[] = []
  const body = h('tbody', {})
  const detailHolder = h('div', {})
  const more = h('button', { type: 'button', class: 'secondary', 'data-testid': 'load-more' }, 'Load more')
  const headers = ['Time', 'Key', 'Model', 'Status', 'Tokens in / out', 'Cost', 'Latency', '']
  const exportHolder = h('div', {})
  const renderExport = () =>
    replace(exportHolder, csvButton('requests.csv', ['request_id', 'started_at', 'key', 'provider', 'model', 'status', 'input_tokens', 'output_tokens', 'cost_usd', 'cost_status', 'duration_ms', 'ttfb_ms'], shown.map((r) => [r.request_id, r.started_at, keyName(r.key_id), r.provider, r.model, r.status, r.input_tokens, r.output_tokens, r.cost_usd, r.cost_status, r.duration_ms, r.ttfb_ms])))
  const addRows = (entries: RequestEntry[]) => {
    for (const entry of entries) {
      shown.push(entry)
      const open = async () => {
        const close = () => replace(detailHolder)
        replace(detailHolder, detail(entry, zone, keyName, close))
        ;(detailHolder.firstElementChild as HTMLElement | null)?.focus()
        const full = await api<RequestDetail>(`/requests/${encodeURIComponent(entry.request_id)}`)
        replace(detailHolder, detail(full.request, zone, keyName, close, full.breakdown))
        ;(detailHolder.firstElementChild as HTMLElement | null)?.focus()
      }
      body.appendChild(
        h(
          'tr',
          { 'data-request-id': entry.request_id },
          h('td', {}, dateTime(entry.started_at, zone)),
          h('td', {}, keyName(entry.key_id)),
          h('td', {}, `${entry.provider}/${entry.model ?? '-'}`),
          h('td', { class: entry.status >= 400 ? 'bad' : '' }, String(entry.status)),
          h('td', {}, `${count(entry.input_tokens)} / ${count(entry.output_tokens)}`),
          h('td', {}, costText(entry)),
          h('td', {}, `${count(entry.duration_ms)} ms`),
          h('td', {}, h('button', { type: 'button', class: 'link', onclick: open, 'aria-label': `Details of ${entry.request_id}` }, 'Details')),
        ),
      )
    }
    renderExport()
  }
  const first = await fetchPage()
  if (first.data.length === 0) {
    replace(root, h('h2', {}, 'Requests'), form, emptyState('No requests match', 'Widen the dates or clear a filter; requests sent through the gateway appear here within seconds.'))
    return
  }
  addRows(first.data)
  let cursor = first.next_cursor
  more.hidden = cursor === null
  more.addEventListener('click', async () => {
    if (!cursor) return
    more.setAttribute('disabled', '')
    const page = await fetchPage(cursor)
    addRows(page.data)
    cursor = page.next_cursor
    more.removeAttribute('disabled')
    more.hidden = cursor === null
  })
  const listing = table(headers, [], { 'data-testid': 'requests-table' })
  listing.querySelector('tbody')!.replaceWith(body)
  replace(root, h('h2', {}, 'Requests'), form, detailHolder, listing, h('div', { class: 'row' }, more, exportHolder))
}
