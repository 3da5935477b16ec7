// The gateway's metrics: traffic, latency split into gateway overhead / upstream / first byte, tokens, cost and the meter's queue.
import type { MeterStats } from '../metering/proxy/meter-channel.ts'
import type { Settlement } from '../metering/protocol/meter-job.ts'
import type { ProxyStage } from '../proxy/stages.ts'
import { Counter, Gauge, Histogram, Registry } from './prometheus.ts'

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
/**
 * Distinct model label values kept per process; later ones are counted under "other". Labels are the only
 * client-influenced values here (providers are configured ids, statuses numbers, the rest closed sets), and a
 * key allowed "*" may name any model, so without a cap each new name would grow every series forever.
 */
export const MAX_MODEL_LABELS = 200
export const OTHER_MODEL_LABEL = 'other'

/** First come, first kept: a bounded set of model labels. */
export class ModelLabels {
  private readonly kept = new Set<string>()
  constructor(private readonly limit = MAX_MODEL_LABELS) {}

  label(model: string | null): string {
    if (!model) return ''
    if (this.kept.has(model)) return model
    if (this.kept.size >= this.limit || model.length > 256) return OTHER_MODEL_LABEL
    this.kept.add(model)
    return model
  }
}

const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1]

export class GatewayMetrics {
  readonly registry = new Registry()
  private readonly requests = this.registry.add(new Counter('sociaro_requests_total', 'Proxied requests by provider, status code and how they ended.', ['provider', 'status', 'ended_by']))
  private readonly overhead = this.registry.add(
    new Histogram('sociaro_gateway_overhead_seconds', 'Time the gateway spends before handing a request upstream (auth, body read, checks).', OVERHEAD_BUCKETS, ['provider']),
  )
  private readonly upstreamLatency = this.registry.add(
    new Histogram('sociaro_upstream_response_seconds', 'Time from sending upstream to receiving the response headers.', LATENCY_BUCKETS, ['provider']),
  )
  private readonly ttfb = this.registry.add(new Histogram('sociaro_time_to_first_byte_seconds', 'Time from request arrival to the first response byte.', LATENCY_BUCKETS, ['provider']))
  private readonly duration = this.registry.add(new Histogram('sociaro_request_duration_seconds', 'Time from request arrival to the end of the response.', LATENCY_BUCKETS, ['provider']))
  private readonly tokens = this.registry.add(new Counter('sociaro_tokens_total', 'Metered tokens by provider, model and direction.', ['provider', 'model', 'direction']))
  private readonly cost = this.registry.add(new Counter('sociaro_cost_micro_usd_total', 'Metered cost in micro-USD by provider and model (priced and estimated records).', ['provider', 'model']))
  private readonly records = this.registry.add(new Counter('sociaro_usage_records_total', 'Usage records written, by cost status.', ['cost_status']))
  private readonly modelLabels = new ModelLabels()
  readonly rejections = this.registry.add(new Counter('sociaro_gateway_errors_total', 'Requests the gateway itself refused or failed, by error code (auth, limits, budgets, upstream).', ['code']))

  constructor(meterStats: () => MeterStats | undefined, databaseHealthy: () => boolean = () => true) {
    this.registry.add(new Gauge('sociaro_database_healthy', '1 while the database file is the one the gateway opened; 0 once it was deleted or replaced.', () => (databaseHealthy() ? 1 : 0)))
    this.registry.add(new Gauge('sociaro_meter_queue_depth', 'Exchanges waiting for, or being processed by, the metering worker.', () => {
      const s = meterStats()
      return s ? s.queuedJobs + s.outstandingJobs + s.workerPendingRows : 0
    }))
    this.registry.add(new Gauge('sociaro_meter_shed_total', 'Usage records shed because the metering queue or the write buffer overflowed.', () => {
      const s = meterStats()
      return s ? s.shedJobs + s.workerShedRows : 0
    }))
    this.registry.add(new Gauge('sociaro_meter_write_failures_total', 'Failed usage batch writes (each retried).', () => meterStats()?.workerWriteFailures ?? 0))
    this.registry.add(
      new Gauge('sociaro_meter_unspooled_total', 'Exchanges metered without a spool copy (spool full or a write failed): a crash would lose them.', () => meterStats()?.unspooledJobs ?? 0),
    )
  }

  stage(now: () => number = performance.now.bind(performance)): ProxyStage {
    return {
      admit: (request) => {
        const provider = request.provider.spec.id
        const admittedAt = now()
        this.overhead.observe(Math.max(0, admittedAt - request.arrivedAt) / 1000, [provider])
        return {
          observer: {
            onHeaders: () => this.upstreamLatency.observe((now() - admittedAt) / 1000, [provider]),
            onEnd: (outcome) => {
              this.requests.inc([provider, String(outcome.status), outcome.endedBy])
              if (outcome.ttfbMs !== null) this.ttfb.observe(outcome.ttfbMs / 1000, [provider])
              this.duration.observe(Math.max(0, outcome.endedAt - request.startedAt) / 1000, [provider])
            },
          },
        }
      },
    }
  }

  settled(settlements: readonly Settlement[]): void {
    for (const s of settlements) {
      this.records.inc([s.costStatus])
      // Only metered usage takes a label slot: refused or failed requests never name a series.
      if (!s.inputTokens && !s.outputTokens && !s.costMicros) continue
      const model = this.modelLabels.label(s.model)
      if (s.inputTokens) this.tokens.inc([s.provider, model, 'input'], s.inputTokens)
      if (s.outputTokens) this.tokens.inc([s.provider, model, 'output'], s.outputTokens)
      if (s.costMicros) this.cost.inc([s.provider, model], s.costMicros)
    }
  }

  render(): string {
    return this.registry.render()
  }
}
