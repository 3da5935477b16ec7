// What a reprice covers and what it reports: shared by the admin API, the CLI and the metering worker.

/** Rows started in [from, to), of one organization when `orgId` is set. */
export interface RepriceRange {
  from: number
  to: number
  orgId?: string
}

export interface RepriceResult {
  examined: number
  changed: number
  stillUnpriced: number
}
