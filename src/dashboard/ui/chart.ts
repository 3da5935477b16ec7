// Time-series charts with uPlot (bundled, no CDN), x-axis in the org's zone; the element says when it has drawn and how many points.
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { h } from './dom.ts'

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#64748b']

export interface ChartSpec {
  title: string
  /** Bucket starts, ms. */
  xs: number[]
  series: { label: string; values: number[] }[]
  zone: string
  format: (value: number) => string
}

const charts = new Set<uPlot>()
let resizeWatch: ResizeObserver | undefined

/** Charts of a page that is being left: destroyed so their listeners go with them. */
export function destroyCharts(): void {
  for (const chart of charts) chart.destroy()
  charts.clear()
}

export function lineChart(spec: ChartSpec): HTMLElement {
  // A canvas says nothing to a screen reader: each line's total and peak, in words, beside it.
  const summary = spec.series
    .map((s) => {
      const total = s.values.reduce((n, v) => n + v, 0)
      const peak = s.values.reduce((n, v) => Math.max(n, v), 0)
      return `${s.label}: ${spec.format(total)} in all, at most ${spec.format(peak)} per bucket`
    })
    .join('; ')
  const holder = h('figure', { class: 'chart', 'data-testid': 'chart', 'data-title': spec.title }, h('figcaption', {}, spec.title), h('p', { class: 'visually-hidden' }, `${spec.xs.length} buckets. ${summary}.`))
  const plot = h('div', { class: 'plot', role: 'img', 'aria-label': `${spec.title} over time` })
  holder.appendChild(plot)
  const data: uPlot.AlignedData = [spec.xs.map((x) => x / 1000), ...spec.series.map((s) => s.values)]
  const draw = () => {
    const width = Math.max(260, plot.clientWidth || holder.clientWidth || 600)
    // A canvas cannot resolve currentColor: the theme's text colour is read once, here.
    const ink = getComputedStyle(holder).color
    const chart = new uPlot(
      {
        width,
        height: 220,
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), spec.zone),
        series: [{}, ...spec.series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2, value: (_u: uPlot, v: number | null) => (v === null ? '-' : spec.format(v)) }))],
        axes: [{ stroke: ink, grid: { stroke: 'rgba(128,128,128,0.15)' } }, { stroke: ink, grid: { stroke: 'rgba(128,128,128,0.15)' }, size: 70, values: (_u, values) => values.map((v) => spec.format(v)) }],
        scales: { x: { time: true } },
        hooks: { draw: [() => holder.setAttribute('data-drawn', 'true')] },
      },
      data,
      plot,
    )
    charts.add(chart)
    holder.setAttribute('data-points', String(spec.xs.length))
    resizeWatch ??= new ResizeObserver(() => {
      for (const c of charts) c.setSize({ width: Math.max(260, c.root.parentElement?.clientWidth ?? 600), height: 220 })
    })
    resizeWatch.observe(plot)
  }
  // Drawn once in the page: uPlot measures nothing before then.
  requestAnimationFrame(draw)
  return holder
}
