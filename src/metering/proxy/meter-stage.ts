// Proxy stage that records each admitted exchange for the meter: request facts, a bounded copy of the bytes, the outcome.
import type { AdmittedRequest, ProxyStage, RefusedRequest, StageResult } from '../../proxy/stages.ts'
import { injectIncludeUsage, shouldInjectIncludeUsage, withoutUsageChunk } from './include-usage.ts'
import type { PendingJob } from './meter-channel.ts'
import { isOpaqueMedia, ResponseRecorder } from '../protocol/response-recorder.ts'
import type { Dialect } from '../../providers/dialect.ts'
import { isEventStream } from '../../wire/body.ts'

const MAX_REQUEST_COPY = 1024 * 1024
const MAX_TAGS = 20

export interface MeterSink {
  enqueue(job: PendingJob): void
}

/** `x-sociaro-tags: team=search, env=prod` → ["team=search","env=prod"]; bounded, never the body. */
export function parseTags(header: string | null): string | null {
  if (!header) return null
  const tags = header
    .split(',')
    .map((tag) => tag.trim().slice(0, 100))
    .filter(Boolean)
    .slice(0, MAX_TAGS)
  return tags.length > 0 ? JSON.stringify(tags) : null
}

/** Some dialects stream by path (Gemini's JSON array without alt=sse), whatever the body or the content type says. */
function streamsByPath(dialect: Dialect, path: string): boolean {
  return dialect.streamsByPath?.(path) === true
}

function isStreamRequest(request: AdmittedRequest, dialect: Dialect): boolean {
  return request.facts.json?.stream === true || streamsByPath(dialect, request.path)
}

function headOf(bytes: Uint8Array | undefined): Uint8Array | null {
  if (!bytes) return null
  return bytes.byteLength > MAX_REQUEST_COPY ? bytes.subarray(0, MAX_REQUEST_COPY) : bytes
}

/** A known key's refused request: a row with the status sent and the reason, no bytes (enqueued like any job). */
function refusalJob(request: RefusedRequest, endedAt: number): PendingJob {
  return {
    requestId: request.requestId,
    startedAt: request.startedAt,
    orgId: request.org.id,
    keyId: request.key.row.id,
    provider: request.provider,
    model: request.model,
    endpoint: request.path,
    method: request.method,
    status: request.error.status,
    streamed: false,
    contentType: '',
    contentEncoding: '',
    bodyParts: [],
    truncated: false,
    requestBody: null,
    ttfbMs: null,
    durationMs: Math.max(0, endedAt - request.startedAt),
    endedBy: 'refused',
    errorCode: request.error.code,
    user: request.headers.get('x-sociaro-user')?.slice(0, 200) ?? null,
    tags: parseTags(request.headers.get('x-sociaro-tags')),
  }
}

export function createMeterStage(sink: MeterSink, now: () => number = Date.now): ProxyStage {
  return {
    refused(request) {
      sink.enqueue(refusalJob(request, now()))
    },
    admit(request): StageResult {
      const spec = request.provider.spec
      // The path's wire format, resolved once by the route (limits read the same one).
      const dialect = request.dialect
      const streamMode = request.key.row.streamUsage ?? request.org.streamUsage
      const inject = streamMode === 'inject' && request.body !== undefined && shouldInjectIncludeUsage(dialect, request.path, request.facts.json)
      const requestBody = request.body
      if (inject) request.replaceBody(injectIncludeUsage(requestBody!, request.facts.json!))

      let recorder: ResponseRecorder | undefined
      let contentType = ''
      let contentEncoding = ''
      const result: StageResult = {
        observer: {
          onHeaders(_status, headers) {
            contentType = (headers.get('content-type') ?? '').toLowerCase()
            contentEncoding = (headers.get('content-encoding') ?? '').toLowerCase()
            recorder = new ResponseRecorder(!isOpaqueMedia(contentType))
          },
          onChunk(chunk) {
            recorder?.push(chunk)
          },
          onEnd(outcome) {
            const { parts, truncated } = recorder?.take() ?? { parts: [], truncated: false }
            const streamed = isEventStream(contentType) || streamsByPath(dialect, request.path)
            sink.enqueue({
              requestId: request.requestId,
              startedAt: request.startedAt,
              orgId: request.org.id,
              keyId: request.key.row.id,
              provider: spec.id,
              model: request.facts.model ?? null,
              endpoint: request.path,
              method: request.method,
              status: outcome.status,
              streamed,
              contentType,
              contentEncoding,
              bodyParts: parts,
              truncated,
              requestBody: streamed || isStreamRequest(request, dialect) ? headOf(requestBody) : null,
              ttfbMs: outcome.ttfbMs,
              durationMs: Math.max(0, outcome.endedAt - request.startedAt),
              endedBy: outcome.endedBy,
              errorCode: outcome.errorCode ?? null,
              user: request.headers.get('x-sociaro-user')?.slice(0, 200) ?? null,
              tags: parseTags(request.headers.get('x-sociaro-tags')),
            })
          },
        },
      }
      if (inject) {
        // The usage chunk must be found in plain text, so this one request asks the upstream not to compress.
        result.upstreamHeaders = { 'accept-encoding': 'identity' }
        result.transformResponse = (response) =>
          response.body && response.status === 200 && isEventStream(response.headers.get('content-type') ?? '')
            ? new Response(withoutUsageChunk(response.body), { status: response.status, statusText: response.statusText, headers: response.headers })
            : response
      }
      return result
    },
  }
}
