// Checks the admin bearer token in constant time.
import { createHash, timingSafeEqual } from 'node:crypto'

export function createAdminCheck(token: string): (authorization: string | null) => boolean {
  // Comparing digests keeps lengths equal, so timingSafeEqual never short-circuits on length.
  const expected = createHash('sha256').update(token).digest()
  return (authorization) => {
    const presented = authorization?.match(/^Bearer\s+(.+)$/i)?.[1] ?? ''
    return timingSafeEqual(createHash('sha256').update(presented).digest(), expected)
  }
}
