// One change to the provider-object ledger (src/objects/) or the jobs ledger (src/jobs/), as the proxy thread sends it to the metering worker to write; types only.
import type { Usage } from './usage.ts'

/** A created, deleted or refreshed provider object (file, batch, task), with who owns it. */
export type LedgerWrite =
  | {
      readonly op: 'create'
      readonly provider: string
      readonly objectId: string
      readonly kind: string
      readonly orgId: string
      readonly keyId: string
      readonly requestId: string
      readonly at: number
      readonly status: string | null
      readonly snapshot: string | null
      /** A checked batch input file: what its lines ask for (src/objects/batch-input-record.ts), as JSON. */
      readonly batchInput?: string | null
    }
  | { readonly op: 'delete'; readonly provider: string; readonly objectId: string; readonly at: number }
  | { readonly op: 'refresh'; readonly provider: string; readonly objectId: string; readonly at: number; readonly status: string | null; readonly snapshot: string | null }
  | JobSubmitted
  | JobObserved

/** A job a submit created (its row in the jobs table). */
export interface JobSubmitted {
  readonly op: 'job-submit'
  readonly id: string
  readonly provider: string
  /** The provider's id of the job: also its object's id in the objects ledger. */
  readonly objectId: string
  readonly orgId: string
  readonly keyId: string
  readonly requestId: string
  readonly model: string | null
  readonly kind: string
  readonly createPath: string
  readonly upstreamBase: string
  readonly credentialRef: string
  /** JSON of the price-driving request parameters. */
  readonly params: string
  /** Normalised status (src/types/jobs.ts JobStatus). */
  readonly status: string
  readonly rawStatus: string | null
  readonly at: number
  readonly reservedMicros: number | null
  readonly resultExpiresAt: number
  /** When the background poller first looks at it. */
  readonly nextPollAt: number
}

/** What one answer (a client's poll passing through, or the background poller's) said of a job. */
export interface JobObserved {
  readonly op: 'job-observe'
  readonly provider: string
  readonly objectId: string
  readonly at: number
  readonly status: string
  readonly rawStatus: string | null
  readonly usage: Usage | null
  /** JSON of the provider's usage object, or null. */
  readonly rawUsage: string | null
  readonly model: string | null
  /** The poller gives up (the job is past the provider's retention without an end seen): settled as unknown, unpriced. */
  readonly gaveUp?: boolean
  /** Where the job's results are, when it must be billed from them (a batch's output file). */
  readonly resultsPath?: string
  /** The results, read (by the poller): billed from these. */
  readonly results?: JobResults
}

/** A batch's results summed per model: succeeded lines billed, failed ones free, unreadable ones counted. */
export interface JobResults {
  readonly groups: readonly { readonly model: string | null; readonly usage: Usage; readonly lines: number }[]
  readonly failedLines: number
  /** Lines that could not be read (too long, not JSON): their cost is unknown, so the job is not priced. */
  readonly unreadableLines: number
}
