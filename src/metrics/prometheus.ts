// Minimal Prometheus text-format counters, gauges and histograms (no dependency, no per-request allocation of label maps).

const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

function labelText(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return ''
  return `{${names.map((name, i) => `${name}="${escape(values[i] ?? '')}"`).join(',')}}`
}

interface Metric {
  render(): string
}

export class Counter implements Metric {
  private values = new Map<string, { labels: string[]; value: number }>()
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  inc(labels: readonly string[] = [], by = 1): void {
    const id = labels.join('\u0000')
    const entry = this.values.get(id)
    if (entry) entry.value += by
    else this.values.set(id, { labels: [...labels], value: by })
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`]
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(this.labelNames, labels)} ${value}`)
    return lines.join('\n')
  }
}

export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.read()}`].join('\n')
  }
}

/** A counter another object keeps (it only ever grows): read when scraped, rendered as a counter. */
export class ReadCounter implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`, `${this.name} ${this.read()}`].join('\n')
  }
}

export class Histogram implements Metric {
  private series = new Map<string, { labels: string[]; counts: number[]; sum: number; count: number }>()
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    readonly labelNames: readonly string[] = [],
  ) {}

  observe(value: number, labels: readonly string[] = []): void {
    const id = labels.join('\u0000')
    let entry = this.series.get(id)
    if (!entry) {
      entry = { labels: [...labels], counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }
      this.series.set(id, entry)
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) entry.counts[i]!++
    entry.sum += value
    entry.count++
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket${labelText([...this.labelNames, 'le'], [...labels, String(bound)])} ${counts[i]}`))
      lines.push(`${this.name}_bucket${labelText([...this.labelNames, 'le'], [...labels, '+Inf'])} ${count}`)
      lines.push(`${this.name}_sum${labelText(this.labelNames, labels)} ${sum}`)
      lines.push(`${this.name}_count${labelText(this.labelNames, labels)} ${count}`)
    }
    return lines.join('\n')
  }
}

export class Registry {
  private metrics: Metric[] = []
  add<M extends Metric>(metric: M): M {
    this.metrics.push(metric)
    return metric
  }
  render(): string {
    return `${this.metrics.map((m) => m.render()).join('\n')}\n`
  }
}
