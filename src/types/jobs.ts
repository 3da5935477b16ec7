// What a provider module tells the job machinery (src/jobs/) about its async jobs: how a submit is recognised, where ids, status and usage sit; types only.
import type { JobResults } from './ledger-write.ts'
import type { Usage } from './usage.ts'

/** One normalised status beside the provider's raw word. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'expired' | 'unknown'

/** A request that submits a job, as the proxy thread sees it before forwarding (nothing but its method, path, headers and JSON). */
export interface JobRequest {
  readonly method: string
  /** The canonical upstream path, without the query. */
  readonly path: string
  readonly headers: Headers
  readonly json: Record<string, unknown> | undefined
}

/** What a submit asks for: the job's kind, model and the request parameters its price depends on (bounded, plain JSON). */
export interface JobSubmission {
  readonly kind: string
  readonly model: string | null
  readonly params: Readonly<Record<string, string | number | boolean>>
}

/** One answer (a submit's or a poll's) read for its job: the provider's id, the status, and the usage once there is one. */
export interface JobReading {
  readonly providerJobId: string
  readonly rawStatus: string | null
  readonly status: JobStatus
  /** Billable usage; only for a succeeded job, and only when the answer reports it. */
  readonly usage: Usage | null
  /** The provider's usage object verbatim (kept for audit and reprice). */
  readonly rawUsage: unknown
  /** The model the answer reports, when it does. */
  readonly model?: string
  /** Where its results are read before it can be billed (a finished batch's output file), as an upstream path. */
  readonly resultsPath?: string
  /** A finished batch's results when the answer itself holds them (Gemini's inlined responses): billed from these. */
  readonly results?: JobResults
  /**
   * Objects the provider made for this job that the answer names (a batch's output and error files): they belong
   * to the job's org, so its owner can fetch them and any other org gets a 404, whoever saw the answer first.
   */
  readonly children?: readonly JobChild[]
}

/** A provider object made for a job, by its ledger kind and the provider's id. */
export interface JobChild {
  readonly kind: 'file'
  readonly id: string
}

/**
 * The requests a batch submit carries in its own body (Anthropic message batches, Gemini inline batches), as read
 * for its budget reservation: the raw list, and how to read one item's model and its own request body.
 */
export interface BatchRequests {
  readonly items: readonly unknown[]
  /** One item's model (Anthropic: `params.model`), or the batch's (Gemini: the path's); null when unreadable. */
  readonly model: (item: unknown) => string | null
  /** One item's own request body, from which its dialect reads max_tokens and whose size estimates its input. */
  readonly request: (item: unknown) => Record<string, unknown> | undefined
}

/** What an OpenAI-style batch input file's lines ask for, per model, as read at its upload (src/proxy/batch-input.ts). */
export interface BatchInputGroup {
  readonly model: string
  readonly lines: number
  /** Sum of each line's bytes / 4. */
  readonly inputTokens: number
  /** Sum of the output caps the lines name (max_tokens and its kin, times n). */
  readonly cappedOutputTokens: number
  /** Answers asked for by lines naming no cap: each is bounded by the model's output limit. */
  readonly uncappedAnswers: number
}

/** One inlined result: billed, failed (free), or unreadable (its cost unknown, so the job is left unpriced). */
export type InlineResult = ResultLine | 'failed' | 'unreadable'

/** What one line of a batch's results cost: its model and usage; undefined for a failed line (free). */
export interface ResultLine {
  readonly model: string | null
  readonly usage: Usage
}

/**
 * A provider's async jobs. Pure and bounded: `submission` runs on the proxy thread when a request is admitted, `read`
 * after an answer ended (never before its bytes reach the client), `usageFromParams` where the job is settled.
 */
export interface JobRules {
  /** The job this request submits, or undefined when it submits none. */
  readonly submission: (request: JobRequest) => JobSubmission | undefined
  /** Whether a request polls a job (its answer is then read with `read`). */
  readonly polls: (method: string, path: string) => boolean
  /** Reads a parsed JSON answer (a 2xx submit or poll); undefined when it is not a job envelope. */
  readonly read: (body: unknown) => JobReading | undefined
  /** The upstream path that polls a job, for the background poller. */
  readonly pollPath: (job: { readonly providerJobId: string; readonly createPath: string }) => string
  /** Headers the provider requires on every call beside the credential (Anthropic's version). */
  readonly pollHeaders?: Readonly<Record<string, string>>
  /** How long the provider keeps a job queryable after its creation: past this, nobody polls it, and `unknown` means expired. */
  readonly retentionMs: number
  /** Polls per second the provider allows per account: the background poller stays well under it. */
  readonly pollsPerSecond: number
  /** When the answers carry no usage (MuleRouter): the usage the submit's parameters imply, priced as an estimate. */
  /**
   * The most a submit with these parameters can make (seconds, images, tokens), for its budget reservation; the
   * provider's documented ceiling stands in for what the submit leaves out. Undefined: no bound is known.
   */
  readonly estimate?: (params: Readonly<Record<string, string | number | boolean>>, kind: string) => Usage | null
  /** A batch submit's requests when its body carries them (each is reserved at its own upper bound); undefined otherwise. */
  readonly batchRequests?: (request: JobRequest) => BatchRequests | undefined
  /** Reads one line of a batch's results (JSONL); undefined: a failed or canceled request, which costs nothing. */
  readonly resultLine?: (line: unknown) => ResultLine | undefined
  /**
   * Results inlined in the poll answer itself (Gemini's `inlinedResponses`), which can be larger than any poll
   * answer is read whole: the member that holds them (in a succeeded job's answer only) and how one entry reads.
   * The poller then streams such an answer, one bounded entry at a time.
   */
  readonly inlineResults?: { readonly member: string; readonly entry: (item: unknown) => InlineResult }
  /** The share of the synchronous price the provider charges for this kind of job (batches: 0.5). Default 1. */
  readonly priceFactor?: number
  readonly usageFromParams?: (params: Readonly<Record<string, string | number | boolean>>, kind: string) => Usage | null
}

