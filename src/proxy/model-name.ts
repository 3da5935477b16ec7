// The one gate every model name a request carries passes before anything (allowlist, limits, meter, metrics) uses it.
import { GatewayError } from '../errors/gateway-error.ts'

/** Longer names are refused: real model ids are far shorter, and the name lands in usage rows, indexes and rollups. */
export const MAX_MODEL_BYTES = 256

/** Control characters could split log lines or be cut differently by another parser (a NUL in C). */
const CONTROL = /[\u0000-\u001f\u007f]/

/**
 * Returns the trimmed name, or throws 400 (`model_unreadable`) for a name that is too long, empty, or holds
 * control characters. `where` says which field it came from, for the message.
 */
export function checkedModelName(raw: string, where: string): string {
  if (raw.length > MAX_MODEL_BYTES || Buffer.byteLength(raw, 'utf8') > MAX_MODEL_BYTES) throw tooLong(where)
  const name = raw.trim()
  if (name === '') throw new GatewayError('model_unreadable', `The model named by ${where} is empty.`)
  if (CONTROL.test(name)) throw new GatewayError('model_unreadable', `The model named by ${where} contains control characters.`)
  return name
}

export function tooLong(where: string): GatewayError {
  return new GatewayError('model_unreadable', `The model named by ${where} is longer than ${MAX_MODEL_BYTES} bytes.`)
}
