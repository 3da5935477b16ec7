// What a meter reports about itself: its backlog and whether it is alive (health and /metrics read these).
export interface MeterStats {
  queuedJobs: number
  outstandingJobs: number
  outstandingBytes: number
  shedJobs: number
  workerPendingRows: number
  workerShedRows: number
  workerWriteFailures: number
  /** Exchanges the spool could not take (full, or a failed write): metered, but a crash would lose them. */
  unspooledJobs: number
}

/** Whether the worker is there to meter: health reads this. */
export interface WorkerLiveness {
  /** The worker's exit code once it has stopped (crashed, exited, or terminated at shutdown). */
  readonly exitCode?: number
  /** performance.now() of the last message from the worker (it reports every second). */
  readonly lastHeardAt: number
  /** Why the database did not take the worker's last write probe or usage batch. */
  readonly writeProblem?: string
}
