// Prometheus series for async jobs: jobs by provider and status (a snapshot of the ledger), poll errors, time to completion.
import type { Client } from '@libsql/client'
import type { Logger } from '../log.ts'
import type { Settlement } from '../metering/protocol/meter-job.ts'
import { Histogram } from './prometheus.ts'
import { jobCounts } from '../jobs/job-store.ts'
import type { JobPollerStats } from '../jobs/job-poller.ts'

/** Video and batch jobs take seconds to a day. */
const COMPLETION_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21_600, 86_400]
const REFRESH_MS = 15_000

/**
 * The counts come from the jobs table, read every 15 s and after a scrape, off the request path (a scrape renders the last read);
 * every instance on one database reports the same counts. Completion times are observed by the instance that
 * settled the job, so they add up across instances.
 */
export class JobMetrics {
  private counts: { provider: string; status: string; count: number }[] = []
  private timer: ReturnType<typeof setInterval> | undefined
  private lastRefresh = 0
  readonly completion = new Histogram('sociaro_job_completion_seconds', 'Time from an async job\'s submit to its end (settled by this instance).', COMPLETION_BUCKETS, ['provider', 'status'])

  constructor(
    private readonly client: Client,
    private readonly poller: () => JobPollerStats | undefined,
    private readonly log: Logger,
  ) {}

  start(): void {
    void this.refresh()
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }

  async refresh(): Promise<void> {
    this.lastRefresh = Date.now()
    try {
      this.counts = await jobCounts(this.client)
    } catch (error) {
      this.log.warn('job counts could not be read for the metrics', { error: String(error) })
    }
  }

  settled(settlements: readonly Settlement[]): void {
    let ended = false
    for (const s of settlements) {
      if (s.jobDurationMs === undefined) continue
      ended = true
      this.completion.observe(s.jobDurationMs / 1000, [s.provider, s.costStatus === 'no_usage' ? 'free' : 'billed'])
    }
    // A job ended here: the counts move now rather than at the next 15 s read (at most once a second).
    if (ended && Date.now() - this.lastRefresh >= 1_000) void this.refresh()
  }

  /** The series in the text format (each a metric of the registry). */
  readonly series = [
    {
      render: () => {
        // A scrape renders the last read and asks for a fresh one (at most once a second): the next scrape has it.
        if (Date.now() - this.lastRefresh >= 1_000) void this.refresh()
        const lines = ['# HELP sociaro_jobs Async jobs in the ledger by provider and normalised status.', '# TYPE sociaro_jobs gauge']
        for (const { provider, status, count } of this.counts) lines.push(`sociaro_jobs{provider="${label(provider)}",status="${label(status)}"} ${count}`)
        return lines.join('\n')
      },
    },
    {
      render: () => {
        // Per provider this instance has polled (a provider never polled has no series, as Prometheus counters go).
        const byProvider = [...(this.poller()?.byProvider ?? new Map<string, { polls: number; pollErrors: number }>())].sort(([a], [b]) => a.localeCompare(b))
        return [
          '# HELP sociaro_job_poll_errors_total Background polls of jobs that failed (network, non-2xx, unreadable answer, upstream or credential gone), by provider.',
          '# TYPE sociaro_job_poll_errors_total counter',
          ...byProvider.map(([provider, counts]) => `sociaro_job_poll_errors_total{provider="${label(provider)}"} ${counts.pollErrors}`),
          '# HELP sociaro_job_polls_total Background polls of jobs sent upstream by this instance (result reads included), by provider.',
          '# TYPE sociaro_job_polls_total counter',
          ...byProvider.map(([provider, counts]) => `sociaro_job_polls_total{provider="${label(provider)}"} ${counts.polls}`),
        ].join('\n')
      },
    },
    this.completion,
  ]
}

const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
