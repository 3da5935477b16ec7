// One write of the background job poller, as the proxy thread asks the metering worker to make it (a write there would block the event loop on the write lock); types only.

export type JobPollWrite =
  /** Takes or renews the poller's lease; answered 1 when `holder` holds it. */
  | { readonly op: 'lease'; readonly holder: string; readonly now: number; readonly ttlMs: number }
  /** Gives the lease up (shutdown). */
  | { readonly op: 'release'; readonly holder: string }
  /** Claims a job's poll slot (compare-and-set on next_poll_at); answered 1 when this call got it. */
  | { readonly op: 'claim'; readonly id: string; readonly expected: number | null; readonly next: number }
  | { readonly op: 'poll-error'; readonly id: string }
  /** Stops following a job (its provider is not served any more). */
  | { readonly op: 'unfollow'; readonly id: string }
  /** Claims a webhook's delivery attempt (compare-and-set on next_attempt_at); answered 1 when this call got it. */
  | { readonly op: 'webhook-claim'; readonly jobId: string; readonly expected: number; readonly next: number }
  /** An attempt's outcome: delivered, retried at `next`, or given up (`next` null, not delivered). */
  | { readonly op: 'webhook-result'; readonly jobId: string; readonly delivered: boolean; readonly result: string; readonly at: number; readonly next: number | null }
