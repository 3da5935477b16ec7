// One access-log record and its rendering as a text line or a JSON object (pure: no clock, no I/O).
import type { LogFormat } from '../log.ts'

/** What one proxied request leaves in the access log; absent fields were not known (or do not apply). */
export interface AccessRecord {
  /** Epoch ms when the request arrived. */
  time: number
  requestId: string
  method: string
  provider: string | null
  /** The upstream path (no query string: it may carry a key). */
  path: string
  model: string | null
  orgId: string | null
  keyId: string | null
  /** The status the client received. */
  status: number
  /** complete | client_abort | upstream_error | timeout for forwarded requests; refused or answered for the gateway's own answers. */
  endedBy: string
  /** The gateway's error code when it refused or failed the request itself. */
  error: string | null
  durationMs: number
  ttfbMs: number | null
  inputTokens: number | null
  outputTokens: number | null
  costMicros: number | null
  /** The usage row's cost status; `unmetered` (metering off or nothing forwarded) or `not_settled` (no usage row in time). */
  costStatus: string
  clientIp: string | null
}

/** Field names on the wire, in line order. */
const FIELDS: readonly [keyof AccessRecord, string][] = [
  ['requestId', 'request_id'],
  ['method', 'method'],
  ['provider', 'provider'],
  ['path', 'path'],
  ['model', 'model'],
  ['orgId', 'org_id'],
  ['keyId', 'key_id'],
  ['status', 'status'],
  ['endedBy', 'ended_by'],
  ['error', 'error'],
  ['durationMs', 'duration_ms'],
  ['ttfbMs', 'ttfb_ms'],
  ['inputTokens', 'input_tokens'],
  ['outputTokens', 'output_tokens'],
  ['costMicros', 'cost_micros'],
  ['costStatus', 'cost_status'],
  ['clientIp', 'client_ip'],
]

/** A bare value when it is a safe token, else a JSON string (client-chosen text such as a model name cannot forge a field). */
function textValue(value: string | number): string {
  if (typeof value === 'number') return String(value)
  return /^[\w.:/@+-]{1,200}$/.test(value) ? value : JSON.stringify(value.length > 1000 ? `${value.slice(0, 1000)}…` : value)
}

/** One line, newline included; null fields are left out in both formats. */
export function formatAccessLine(record: AccessRecord, format: LogFormat): string {
  const time = new Date(record.time).toISOString()
  if (format === 'json') {
    const line: Record<string, unknown> = { time, level: 'info', msg: 'request' }
    for (const [field, name] of FIELDS) if (record[field] !== null) line[name] = record[field]
    return `${JSON.stringify(line)}\n`
  }
  let line = `${time} INFO  request`
  for (const [field, name] of FIELDS) {
    const value = record[field]
    if (value !== null) line += ` ${name}=${textValue(value)}`
  }
  return `${line}\n`
}
