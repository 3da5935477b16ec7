// The webhook signature: HMAC-SHA256 over "<timestamp>.<body>" under the org's secret, as `sha256=<hex>`.
import { createHmac } from 'node:crypto'

export const TIMESTAMP_HEADER = 'x-sociaro-timestamp'
export const SIGNATURE_HEADER = 'x-sociaro-signature'

/** `timestamp` is Unix seconds, as sent in x-sociaro-timestamp; a receiver rejects stale ones (replays). */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}
