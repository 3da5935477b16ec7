// How a batch of finished exchanges crosses to the metering worker: one JSON string of facts and one buffer of bytes.
import type { MeterFacts, MeterJob, WireJob } from './meter-job.ts'

/** A job waiting on the proxy thread: its facts and references to its bytes, copied once at flush. */
export interface PendingJob extends MeterFacts {
  bodyParts: readonly Uint8Array[]
  requestBody: Uint8Array | null
}

/** The bytes a job holds (its recorded response and kept request body). */
export function pendingBytes(job: PendingJob): number {
  let bytes = job.requestBody?.byteLength ?? 0
  for (const part of job.bodyParts) bytes += part.byteLength
  return bytes
}

/** Copies every job's bytes back to back into one buffer of `totalBytes` (their sum) and lists where each sits. */
export function packJobs(jobs: readonly PendingJob[], totalBytes: number): { jobs: string; bytes: Uint8Array<ArrayBuffer> } {
  const bytes = new Uint8Array(totalBytes)
  let offset = 0
  const wire: WireJob[] = jobs.map(({ bodyParts, requestBody, ...facts }) => {
    const bodyOffset = bodyParts.length > 0 ? offset : -1
    for (const part of bodyParts) {
      bytes.set(part, offset)
      offset += part.byteLength
    }
    const bodyLength = bodyOffset < 0 ? 0 : offset - bodyOffset
    const requestOffset = requestBody ? offset : -1
    if (requestBody) {
      bytes.set(requestBody, offset)
      offset += requestBody.byteLength
    }
    return { ...facts, bodyOffset, bodyLength, requestOffset, requestLength: requestBody?.byteLength ?? 0 }
  })
  return { jobs: JSON.stringify(wire), bytes }
}

/** The worker's side of `packJobs`: views into the one buffer, no copies. */
export function unpackJobs(jobs: string, bytes: ArrayBuffer): MeterJob[] {
  return (JSON.parse(jobs) as WireJob[]).map(({ bodyOffset, bodyLength, requestOffset, requestLength, ...facts }) => ({
    ...facts,
    body: bodyOffset < 0 ? null : new Uint8Array(bytes, bodyOffset, bodyLength),
    requestBody: requestOffset < 0 ? null : new Uint8Array(bytes, requestOffset, requestLength),
  }))
}
