// Reads back the batches of a spool file a killed process left, for the metering worker's replay; stops at a torn or damaged record.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { HEADER_BYTES, readHeader, readPayload, type SpoolBatch } from '../protocol/spool-frame.ts'

function readFully(fd: number, into: Uint8Array, position: number): number {
  let read = 0
  while (read < into.byteLength) {
    const got = readSync(fd, into, read, into.byteLength - read, position + read)
    if (got === 0) break
    read += got
  }
  return read
}

/**
 * Every intact batch of `path`, in order, one in memory at a time. Appends are whole records one after another, so
 * only the last can be torn (a kill in the middle of a write): at the first record that fails its checks the rest
 * is reported to `onDamage` and skipped.
 */
export function* spoolBatches(path: string, onDamage: (reason: string, offset: number, bytesSkipped: number) => void): Generator<SpoolBatch> {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    const header = new Uint8Array(HEADER_BYTES)
    let offset = 0
    while (offset < size) {
      const check = readHeader(header.subarray(0, readFully(fd, header, offset)))
      if (!check.ok) return onDamage(check.reason, offset, size - offset)
      const end = offset + HEADER_BYTES + check.jsonBytes + check.bodyBytes
      if (end > size) return onDamage('torn record', offset, size - offset)
      const json = new Uint8Array(check.jsonBytes)
      const bytes = new Uint8Array(check.bodyBytes)
      readFully(fd, json, offset + HEADER_BYTES)
      readFully(fd, bytes, offset + HEADER_BYTES + check.jsonBytes)
      const batch = readPayload(header, json, bytes)
      if ('reason' in batch) return onDamage(batch.reason, offset, size - offset)
      yield batch
      offset = end
    }
  } finally {
    closeSync(fd)
  }
}
