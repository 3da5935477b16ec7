// Finds the model a request names (JSON body, multipart field or URL path) following the provider's model rules.
import { GatewayError } from '../errors/gateway-error.ts'
import type { ModelRule, ProviderSpec } from '../providers/spec.ts'

export interface RequestFacts {
  /** The model named by the request, when it names one. */
  readonly model?: string
  /** The parsed JSON body, when the body is JSON (reused for limits and metering, never re-serialized upstream). */
  readonly json?: Record<string, unknown>
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

function ruleFor(spec: ProviderSpec, method: string, path: string): { rule?: ModelRule; groups?: Record<string, string> } {
  for (const rule of spec.modelRules) {
    if (rule.methods && !rule.methods.includes(method)) continue
    const match = rule.match.exec(path)
    if (match) return { rule, ...(match.groups ? { groups: match.groups } : {}) }
  }
  return {}
}

function parseJsonObject(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(body))
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Scans multipart parts for the `model` field without buffering file parts into strings. */
export function multipartField(body: Uint8Array, contentType: string, field: string): string | undefined {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1]
  if (!boundary) return undefined
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const delimiter = Buffer.from(`--${boundary}`)
  let at = text.indexOf(delimiter)
  while (at >= 0) {
    const headerStart = at + delimiter.length + 2
    const headerEnd = text.indexOf('\r\n\r\n', headerStart)
    if (headerEnd < 0) return undefined
    const next = text.indexOf(delimiter, headerEnd)
    if (next < 0) return undefined
    const partHeaders = text.toString('utf8', headerStart, headerEnd)
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(partHeaders)?.[1]
    if (name === field) return text.toString('utf8', headerEnd + 4, next - 2)
    at = next
  }
  return undefined
}

/** Content types lie (curl -d says form-urlencoded): a body that opens with "{" is read as JSON. */
function startsLikeJsonObject(body: Uint8Array): boolean {
  for (const byte of body) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue
    return byte === 0x7b
  }
  return false
}

function decodePathModel(raw: string | undefined): string | undefined {
  if (!raw) return undefined
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}

export function locateModel(spec: ProviderSpec, method: string, path: string, contentType: string, body: Uint8Array | undefined): RequestFacts {
  const { rule, groups } = ruleFor(spec, method, path)
  const from = rule?.from ?? (BODY_METHODS.has(method) ? 'body-optional' : 'none')
  const json = body && startsLikeJsonObject(body) ? parseJsonObject(body) : undefined

  let model: string | undefined
  if (from === 'path') {
    model = decodePathModel(groups?.model)
  } else if (from === 'body' || from === 'body-optional') {
    if (json && typeof json.model === 'string') model = json.model
    else if (body && contentType.startsWith('multipart/form-data')) model = multipartField(body, contentType, 'model')
  }
  if (model !== undefined) model = model.trim()
  const required = from === 'body' || from === 'path'
  if (required && !model) {
    throw new GatewayError(
      'model_unreadable',
      from === 'path' ? 'The model could not be read from the request path.' : 'The request must name a model: a JSON body with a string "model" field (or a multipart "model" field).',
    )
  }
  return { ...(model ? { model } : {}), ...(json ? { json } : {}) }
}
