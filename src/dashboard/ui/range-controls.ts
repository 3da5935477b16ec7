// The date-range, bucket and split controls shared by the usage pages; their values live in the URL.
import { h } from './dom.ts'
import type { PageContext } from './page.ts'
import { PRESETS, rangeOf, type Range } from './usage-data.ts'
import { dayKey } from './zone-time.ts'

export interface RangeChoice {
  range: Range
  grain: 'hour' | 'day'
  split: string
}

export function rangeChoice(ctx: PageContext, now: number): RangeChoice {
  const zone = ctx.identity.time_zone
  const preset = ctx.params.get('range') ?? '7d'
  const range = rangeOf(preset, ctx.params.get('from') ?? undefined, ctx.params.get('to') ?? undefined, now, zone)
  const grain = (ctx.params.get('bucket') ?? (preset === '24h' ? 'hour' : 'day')) === 'hour' ? 'hour' : 'day'
  return { range, grain, split: ctx.params.get('split') ?? '' }
}

function select(name: string, label: string, options: [string, string][], value: string, onChange: (value: string) => void): HTMLElement {
  const element = h('select', { name, id: `ctl-${name}`, onchange: (event: Event) => onChange((event.target as HTMLSelectElement).value) }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)))
  return h('label', { for: `ctl-${name}` }, h('span', {}, label), element)
}

export function rangeControls(ctx: PageContext, choice: RangeChoice, options: { splits?: [string, string][] } = {}): HTMLElement {
  const zone = ctx.identity.time_zone
  const preset = ctx.params.get('from') ? 'custom' : (ctx.params.get('range') ?? '7d')
  const presetOptions: [string, string][] = [...PRESETS.map((p): [string, string] => [p, p === '24h' ? 'Last 24 hours' : `Last ${Number.parseInt(p, 10)} days`]), ['custom', 'Custom dates']]
  const form = h(
    'form',
    {
      class: 'controls',
      'aria-label': 'Date range',
      onsubmit: (event: Event) => {
        event.preventDefault()
        const data = new FormData(event.target as HTMLFormElement)
        ctx.setParams({ range: undefined, from: String(data.get('from') || '') || undefined, to: String(data.get('to') || '') || undefined })
      },
    },
    select('range', 'Range', presetOptions, preset, (value) => {
      if (value === 'custom') ctx.setParams({ range: undefined, from: dayKey(choice.range.from, zone), to: dayKey(choice.range.to - 1, zone) })
      else ctx.setParams({ range: value, from: undefined, to: undefined })
    }),
    h('label', { for: 'ctl-from' }, h('span', {}, 'From'), h('input', { type: 'date', name: 'from', id: 'ctl-from', value: dayKey(choice.range.from, zone) })),
    h('label', { for: 'ctl-to' }, h('span', {}, 'To'), h('input', { type: 'date', name: 'to', id: 'ctl-to', value: dayKey(choice.range.to - 1, zone) })),
    h('button', { type: 'submit' }, 'Apply dates'),
    select('bucket', 'Bucket', [['hour', 'Hour'], ['day', 'Day']], choice.grain, (value) => ctx.setParams({ bucket: value })),
    options.splits ? select('split', 'Split by', options.splits, choice.split, (value) => ctx.setParams({ split: value || undefined })) : null,
  )
  return h('div', { class: 'range', 'data-from': new Date(choice.range.from).toISOString(), 'data-to': new Date(choice.range.to).toISOString() }, form, h('p', { class: 'muted' }, `${choice.range.label}, in ${zone}`))
}
