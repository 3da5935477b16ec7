// Decompresses the meter's copy of a response (gzip, deflate, br, zstd), tolerating bodies cut short by an abort.
import { brotliDecompressSync, constants, gunzipSync, inflateSync } from 'node:zlib'

export function decompressForMeter(body: Uint8Array, contentEncoding: string): Uint8Array {
  const coding = contentEncoding.split(',').map((c) => c.trim()).filter((c) => c && c !== 'identity')
  let out = body
  // Codings apply in the order listed, so they come off in reverse.
  for (const one of coding.reverse()) out = decodeOne(out, one)
  return out
}

function decodeOne(body: Uint8Array, coding: string): Uint8Array {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      // SYNC_FLUSH returns what a truncated stream (aborted mid-way) decodes to instead of throwing.
      return gunzipSync(body, { finishFlush: constants.Z_SYNC_FLUSH })
    case 'deflate':
      return inflateSync(body, { finishFlush: constants.Z_SYNC_FLUSH })
    case 'br':
      return brotliDecompressSync(body, { finishFlush: constants.BROTLI_OPERATION_FLUSH })
    case 'zstd':
      return Bun.zstdDecompressSync(body)
    default:
      throw new Error(`unsupported content-encoding "${coding}"`)
  }
}
