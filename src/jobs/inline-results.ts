// A poll answer too long to read whole that holds a batch's results inline (Gemini): streamed, each result bounded, the rest read as a small answer.
import { resultTally, tallyInline } from '../providers/dialects/batch-results.ts'
import type { JobResults } from '../types/ledger-write.ts'
import type { JobReading, JobRules } from '../types/jobs.ts'
import { jsonArrayStream } from '../wire/json-array-stream.ts'
import { parseWithinBudget } from '../wire/json-budget.ts'

/** What is used of a body's reader (Bun's and the DOM's reader types differ in extras). */
export type ByteReader = { read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>; cancel(): Promise<void> }

export interface InlineLimits {
  /** The whole answer: past this it is not read further. */
  readonly maxAnswerBytes: number
  /** The answer without its results (status, names, counts). */
  readonly maxSkeletonBytes: number
  /** One result: a longer one is counted unreadable. */
  readonly maxEntryBytes: number
  readonly maxEntries: number
}

export type StreamedAnswer =
  /** Read to its end: the answer (results emptied) read by the provider's rules, and the results tallied. */
  | { readonly kind: 'read'; readonly reading: JobReading }
  /**
   * The results were found but the answer went past a bound: a succeeded job whose cost cannot be known, billed
   * from what was read with one more line unreadable, so it is stored unpriced, never $0 (and never re-read).
   */
  | { readonly kind: 'capped'; readonly results: JobResults; readonly why: string }
  /** Not an answer with inline results, or not a whole one: a failed poll. */
  | { readonly kind: 'unreadable'; readonly why: string }

/**
 * Reads the rest of an answer whose first `head` bytes were already read, streaming the member `inline.member`.
 * Throws when the stream itself fails (network, timeout): a failed poll, tried again.
 */
export async function readStreamedAnswer(
  head: readonly Uint8Array[],
  reader: ByteReader,
  rules: JobRules,
  limits: InlineLimits,
): Promise<StreamedAnswer> {
  const inline = rules.inlineResults!
  const tally = resultTally()
  let entries = 0
  const stream = jsonArrayStream(inline.member, { maxSkeletonBytes: limits.maxSkeletonBytes, maxElementBytes: limits.maxEntryBytes }, (bytes) => {
    entries++
    if (entries > limits.maxEntries) return
    if (!bytes) return tally.unreadable()
    // Parsed on the proxy thread (the poller's): within the parse budget only, else the result is unreadable.
    const parsed = parseWithinBudget(bytes)
    if (parsed === undefined) return tally.unreadable()
    tallyInline(tally, inline.entry(parsed))
  })
  let total = 0
  let why: string | undefined
  const feed = (chunk: Uint8Array): boolean => {
    total += chunk.byteLength
    if (total > limits.maxAnswerBytes) why = `the answer is longer than ${limits.maxAnswerBytes} bytes`
    else if (!stream.push(chunk)) why = `the answer without its results is longer than ${limits.maxSkeletonBytes} bytes`
    else if (entries > limits.maxEntries) why = `the answer holds more than ${limits.maxEntries} results`
    return why === undefined
  }
  let open = head.every(feed)
  while (open) {
    const { done, value } = await reader.read()
    if (done) break
    open = feed(value)
  }
  if (!open) await reader.cancel().catch(() => {})
  const capped = (reason: string): StreamedAnswer => {
    const read = tally.results()
    return { kind: 'capped', results: { ...read, unreadableLines: read.unreadableLines + 1 }, why: reason }
  }
  if (why !== undefined) return stream.found ? capped(why) : { kind: 'unreadable', why }
  const skeleton = stream.end()
  if (skeleton === undefined) return stream.found ? capped('the answer is not whole JSON') : { kind: 'unreadable', why: 'the answer is not whole JSON' }
  const body = parseWithinBudget(new TextEncoder().encode(skeleton))
  if (body === undefined) return stream.found ? capped('the answer is not JSON within the parse budget') : { kind: 'unreadable', why: 'the answer is not JSON within the parse budget' }
  const reading = rules.read(body)
  if (!reading) return { kind: 'unreadable', why: 'the answer is not a job' }
  // The emptied list stood in for the results while the rules read the answer: the streamed ones replace it.
  if (stream.found && reading.status === 'succeeded') return { kind: 'read', reading: { ...reading, results: tally.results() } }
  return { kind: 'read', reading }
}
