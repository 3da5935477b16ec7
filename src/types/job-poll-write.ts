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
