// Pure: how one metering batch is framed in the usage spool (length + checksums), so a torn or damaged record is recognised, never trusted.

/** "SPL1": marks the start of every record. */
const MAGIC = 0x53504c31
export const HEADER_BYTES = 24
/** A record larger than this is damage, not a batch (the proxy thread holds at most 256 MiB of bodies in flight). */
export const MAX_RECORD_BYTES = 512 * 1024 * 1024

/** One batch as the proxy thread posted it: the jobs' JSON and the buffer their bodies sit in. */
export interface SpoolBatch {
  readonly jobs: string
  readonly bytes: Uint8Array
}

/**
 * Header: magic, JSON length, bytes length, CRC-32 of the JSON, CRC-32 of the bytes, CRC-32 of the 20 bytes before it.
 * The parts are returned separately so they go to the file in one writev, without copying the bodies.
 */
export function frameBatch(jobs: string, bytes: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const json = new TextEncoder().encode(jobs)
  const header = new Uint8Array(HEADER_BYTES)
  const view = new DataView(header.buffer)
  view.setUint32(0, MAGIC)
  view.setUint32(4, json.byteLength)
  view.setUint32(8, bytes.byteLength)
  view.setUint32(12, Bun.hash.crc32(json))
  view.setUint32(16, Bun.hash.crc32(bytes))
  view.setUint32(20, Bun.hash.crc32(header.subarray(0, 20)))
  return [header, json, bytes]
}

export type HeaderCheck = { readonly ok: true; readonly jsonBytes: number; readonly bodyBytes: number } | { readonly ok: false; readonly reason: string }

export function readHeader(header: Uint8Array): HeaderCheck {
  if (header.byteLength < HEADER_BYTES) return { ok: false, reason: 'torn header' }
  const view = new DataView(header.buffer, header.byteOffset, HEADER_BYTES)
  if (view.getUint32(0) !== MAGIC) return { ok: false, reason: 'no record marker' }
  if (view.getUint32(20) !== Bun.hash.crc32(header.subarray(0, 20))) return { ok: false, reason: 'header checksum mismatch' }
  const jsonBytes = view.getUint32(4)
  const bodyBytes = view.getUint32(8)
  if (jsonBytes + bodyBytes > MAX_RECORD_BYTES) return { ok: false, reason: 'implausible record length' }
  return { ok: true, jsonBytes, bodyBytes }
}

/** The batch whose JSON and bytes were read as long as the header said, or why it cannot be trusted. */
export function readPayload(header: Uint8Array, json: Uint8Array, bytes: Uint8Array): SpoolBatch | { readonly reason: string } {
  const view = new DataView(header.buffer, header.byteOffset, HEADER_BYTES)
  if (Bun.hash.crc32(json) !== view.getUint32(12) || Bun.hash.crc32(bytes) !== view.getUint32(16)) return { reason: 'payload checksum mismatch' }
  return { jobs: new TextDecoder().decode(json), bytes }
}
