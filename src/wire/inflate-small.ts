// Inflates a small, bounded answer at once (gzip, deflate, br, zstd): for the proxy thread, which reads only short object answers.
import * as zlib from 'node:zlib'

/** RFC 8878: a zstd content-coding's window is at most 8 MiB (2^23); a frame asking for more is refused, not allocated. */
export const ZSTD_WINDOW_LOG_MAX = 23

/**
 * Inflates a small answer at once (an object's creation response, read on the proxy thread): throws as soon as the
 * output would pass `maxBytes`, so a bomb costs at most that much memory and the time to produce it.
 */
export function inflateSmallSync(body: Uint8Array, contentEncoding: string, maxBytes: number): Uint8Array {
  const codings = contentEncoding.split(',').map((c) => c.trim()).filter((c) => c && c !== 'identity').reverse()
  let bytes: Uint8Array = body
  for (const coding of codings) {
    const options = { maxOutputLength: maxBytes, finishFlush: zlib.constants.Z_SYNC_FLUSH }
    switch (coding) {
      case 'gzip':
      case 'x-gzip':
        bytes = zlib.gunzipSync(bytes, options)
        break
      case 'deflate':
        bytes = zlib.inflateSync(bytes, options)
        break
      case 'br':
        bytes = zlib.brotliDecompressSync(bytes, { maxOutputLength: maxBytes, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH })
        break
      case 'zstd':
        bytes = zlib.zstdDecompressSync(bytes, { maxOutputLength: maxBytes, params: { [zlib.constants.ZSTD_d_windowLogMax]: ZSTD_WINDOW_LOG_MAX } })
        break
      default:
        throw new Error(`unsupported content-encoding "${coding}"`)
    }
  }
  return bytes
}
