// Inflates the meter's copy of a response (gzip, deflate, br, zstd) as a stream into the meter's window, stopping at a bounded output.
import { pipeline, type Transform } from 'node:stream'
import * as zlib from 'node:zlib'
import { ZSTD_WINDOW_LOG_MAX } from '../../wire/inflate-small.ts'
import type { MeterJob } from '../protocol/meter-job.ts'
import { KEEP_WHOLE_BYTES, ResponseRecorder } from '../protocol/response-recorder.ts'

/**
 * An upstream's compressed body may inflate without end (9.7 KB of brotli to 6 GiB). The meter inflates at most this
 * many times the compressed bytes it holds, never less than its window and never more than MAX_INFLATED_BYTES, and
 * keeps of that only the window (head and tail), as for a plain body. JSON compresses 5 to 20 times; an SSE stream (the
 * same envelope around a few bytes of text per event) 20 to 100 times, and its usage is at the very end.
 */
const MAX_INFLATE_RATIO = 128
const MAX_INFLATED_BYTES = 64 * 1024 * 1024
/** Large output chunks: the stream's cost is per chunk. */
const CHUNK_BYTES = 256 * 1024

export function inflateLimit(compressedBytes: number): number {
  return Math.min(MAX_INFLATED_BYTES, Math.max(KEEP_WHOLE_BYTES, MAX_INFLATE_RATIO * compressedBytes))
}

export interface InflatedBody {
  body: Uint8Array
  /** Only the head and tail of the output were kept (a large output, or a stop at the limit). */
  truncated: boolean
  /** Why the meter read less than the whole decoded body, for the row's detail; null when it read it all. */
  note: string | null
}

/** Codings apply in the order listed, so they come off in reverse. Rejects when not a byte could be decoded. */
export async function inflateForMeter(body: Uint8Array, contentEncoding: string, limit = inflateLimit(body.byteLength)): Promise<InflatedBody> {
  const codings = contentEncoding.split(',').map((c) => c.trim()).filter((c) => c && c !== 'identity').reverse()
  if (codings.length === 0) return { body, truncated: false, note: null }
  const unsupported = codings.find((c) => !SUPPORTED.has(c))
  if (unsupported !== undefined) throw new Error(`unsupported content-encoding "${unsupported}"`)
  const decoders = codings.map(decoderFor)
  const last = decoders[decoders.length - 1]!
  let failure: Error | undefined
  // pipeline carries an error from any stage to the last one and destroys every stage when the reader stops early.
  if (decoders.length > 1) pipeline(decoders, (error) => void (failure ??= error ?? undefined))
  else last.on('error', (error) => void (failure ??= error))
  decoders[0]!.end(body)

  const window = new ResponseRecorder(true)
  let inflated = 0
  let stopped = false
  try {
    for await (const chunk of last as AsyncIterable<Uint8Array>) {
      window.push(chunk)
      inflated += chunk.byteLength
      if (inflated >= limit) {
        stopped = true
        break
      }
    }
  } catch (error) {
    failure ??= error as Error
  } finally {
    for (const decoder of decoders) decoder.destroy()
  }
  if (failure && inflated === 0) throw failure
  const { parts, truncated } = window.take()
  const note = stopped
    ? `the response inflates to more than ${limit} bytes from ${body.byteLength} compressed; the meter decoded only that much`
    : failure
      ? `the compressed response could not be decoded past ${inflated} bytes (${failure.message})`
      : null
  return { body: parts.length === 1 ? parts[0]! : Buffer.concat(parts), truncated: truncated || stopped || failure !== undefined, note }
}

const SUPPORTED = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'zstd'])

function decoderFor(coding: string): Transform {
  const common = { chunkSize: CHUNK_BYTES }
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      // SYNC_FLUSH returns what a truncated stream (aborted mid-way) decodes to instead of failing.
      return zlib.createGunzip({ ...common, finishFlush: zlib.constants.Z_SYNC_FLUSH })
    case 'deflate':
      return zlib.createInflate({ ...common, finishFlush: zlib.constants.Z_SYNC_FLUSH })
    case 'br':
      return zlib.createBrotliDecompress({ ...common, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH })
    case 'zstd':
      return zlib.createZstdDecompress({ ...common, params: { [zlib.constants.ZSTD_d_windowLogMax]: ZSTD_WINDOW_LOG_MAX } })
    default:
      throw new Error(`unsupported content-encoding "${coding}"`)
  }
}

/** The bytes of a response as the meter reads them: decoded, within the window, with what was left out said. */
export interface MeterBody {
  bytes: Uint8Array | null
  truncated: boolean
  /** How the bytes fall short of the whole decoded body, or why there are none; null when they do not. */
  detail: string | null
}

export async function readMeterBody(job: Pick<MeterJob, 'body' | 'contentEncoding' | 'truncated'>): Promise<MeterBody> {
  if (!job.body || !job.contentEncoding || job.contentEncoding === 'identity') return { bytes: job.body, truncated: job.truncated, detail: null }
  try {
    const inflated = await inflateForMeter(job.body, job.contentEncoding)
    return { bytes: inflated.body, truncated: job.truncated || inflated.truncated, detail: inflated.note }
  } catch (error) {
    return { bytes: null, truncated: job.truncated, detail: `could not decompress the response (${job.contentEncoding}): ${(error as Error).message}` }
  }
}
