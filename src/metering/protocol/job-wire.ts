// How a batch of finished exchanges crosses to the metering worker: one JSON string of positional facts and one buffer of bytes.
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

/**
 * The batch format: a JSON array whose first element is this number, then one array per job holding its facts in
 * the order of `packRow` and where its bytes sit. Rows without keys are about half the JSON of objects, and neither
 * side copies objects around (a rest/spread per job cost more than the rest of packing). The first format, an array
 * of WireJob objects, is still read: a spool an older gateway left behind replays.
 */
export const WIRE_FORMAT = 2

type WireRow = [
  requestId: string,
  startedAt: number,
  orgId: string,
  keyId: string,
  provider: string,
  model: string | null,
  endpoint: string,
  method: string,
  status: number,
  streamed: boolean,
  contentType: string,
  contentEncoding: string,
  truncated: boolean,
  ttfbMs: number | null,
  durationMs: number,
  endedBy: MeterFacts['endedBy'],
  errorCode: string | null,
  user: string | null,
  tags: string | null,
  bodyOffset: number,
  bodyLength: number,
  requestOffset: number,
  requestLength: number,
]

/** Copies every job's bytes back to back into one buffer of `totalBytes` (their sum) and lists where each sits. */
export function packJobs(jobs: readonly PendingJob[], totalBytes: number): { jobs: string; bytes: Uint8Array<ArrayBuffer> } {
  const bytes = new Uint8Array(totalBytes)
  let offset = 0
  const wire: (number | WireRow)[] = [WIRE_FORMAT]
  for (const job of jobs) {
    const bodyOffset = job.bodyParts.length > 0 ? offset : -1
    for (const part of job.bodyParts) {
      bytes.set(part, offset)
      offset += part.byteLength
    }
    const bodyLength = bodyOffset < 0 ? 0 : offset - bodyOffset
    const requestBody = job.requestBody
    const requestOffset = requestBody ? offset : -1
    if (requestBody) {
      bytes.set(requestBody, offset)
      offset += requestBody.byteLength
    }
    wire.push([
      job.requestId, job.startedAt, job.orgId, job.keyId, job.provider, job.model, job.endpoint, job.method, job.status, job.streamed,
      job.contentType, job.contentEncoding, job.truncated, job.ttfbMs, job.durationMs, job.endedBy, job.errorCode ?? null, job.user, job.tags,
      bodyOffset, bodyLength, requestOffset, requestBody?.byteLength ?? 0,
    ])
  }
  return { jobs: JSON.stringify(wire), bytes }
}

/** The worker's side of `packJobs` (either format): views into the one buffer, no copies. */
export function unpackJobs(jobs: string, bytes: ArrayBuffer): MeterJob[] {
  const wire = JSON.parse(jobs) as unknown[]
  if (wire[0] !== WIRE_FORMAT) return (wire as WireJob[]).map(unpackObject(bytes))
  const out: MeterJob[] = []
  for (let at = 1; at < wire.length; at++) {
    const row = wire[at] as WireRow
    out.push({
      requestId: row[0],
      startedAt: row[1],
      orgId: row[2],
      keyId: row[3],
      provider: row[4],
      model: row[5],
      endpoint: row[6],
      method: row[7],
      status: row[8],
      streamed: row[9],
      contentType: row[10],
      contentEncoding: row[11],
      truncated: row[12],
      ttfbMs: row[13],
      durationMs: row[14],
      endedBy: row[15],
      errorCode: row[16],
      user: row[17],
      tags: row[18],
      body: row[19] < 0 ? null : new Uint8Array(bytes, row[19], row[20]),
      requestBody: row[21] < 0 ? null : new Uint8Array(bytes, row[21], row[22]),
    })
  }
  return out
}

/** The first format: one WireJob object per job. */
function unpackObject(bytes: ArrayBuffer) {
  return ({ bodyOffset, bodyLength, requestOffset, requestLength, ...facts }: WireJob): MeterJob => ({
    ...facts,
    body: bodyOffset < 0 ? null : new Uint8Array(bytes, bodyOffset, bodyLength),
    requestBody: requestOffset < 0 ? null : new Uint8Array(bytes, requestOffset, requestLength),
  })
}
