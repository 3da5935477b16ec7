// Finds the gateway key where the provider's own SDK sends its key (Bearer, x-api-key, x-goog-api-key or ?key=).
import type { KeyCheck } from '../auth/key-cache.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { ClientKeyLocation } from '../providers/spec.ts'
import { queryKey } from './request-target.ts'

export function findClientKey(headers: Headers, query: string, locations: readonly ClientKeyLocation[]): string | undefined {
  for (const location of locations) {
    let value: string | null | undefined
    switch (location) {
      case 'bearer': {
        const header = headers.get('authorization')
        value = header && /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '') : undefined
        break
      }
      case 'x-api-key':
        value = headers.get('x-api-key')
        break
      case 'x-goog-api-key':
        value = headers.get('x-goog-api-key')
        break
      case 'query-key':
        value = queryKey(query)
        break
    }
    if (value) return value.trim()
  }
  return undefined
}

const KEY_ERRORS = { unknown: 'invalid_key', revoked: 'revoked_key', expired: 'expired_key' } as const
const KEY_MESSAGES = {
  unknown: 'Incorrect API key provided. Use a gateway key (gw_live_…) issued by this Sociaro gateway.',
  revoked: 'This gateway key has been revoked.',
  expired: 'This gateway key has expired.',
} as const

/** The refusal of a key the cache did not accept (the same for proxied and gateway-answered requests). */
export function keyRefusal(reason: Extract<KeyCheck, { ok: false }>['reason']): GatewayError {
  return new GatewayError(KEY_ERRORS[reason], KEY_MESSAGES[reason])
}
