// Finds the gateway key where the provider's own SDK sends its key (Bearer, x-api-key, x-goog-api-key or ?key=).
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
