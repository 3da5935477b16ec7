// Gateway key secrets (gw_live_ + 256 random bits in base62), hashing and display parts; ids for rows (request ids time-ordered).
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
export const KEY_PREFIX = 'gw_live_'
const SECRET_CHARS = 43 // 43 base62 characters carry 256 bits

/** Uniform base62 string: bytes ≥ 248 are rejected so that `% 62` has no bias. */
export function randomBase62(length: number): string {
  let out = ''
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62]
    }
  }
  return out
}

export function generateKeySecret(): string {
  return KEY_PREFIX + randomBase62(SECRET_CHARS)
}

export function looksLikeGatewayKey(value: string): boolean {
  return value.startsWith(KEY_PREFIX) && value.length >= KEY_PREFIX.length + 32 && value.length <= 200
}

/** SHA-256 suits a 256-bit random secret: no salt or stretching is needed against guessing. */
export function hashKeySecret(secret: string): string {
  return new Bun.CryptoHasher('sha256').update(secret).digest('hex')
}

export function displayParts(secret: string): { displayPrefix: string; last4: string } {
  return { displayPrefix: secret.slice(0, KEY_PREFIX.length + 4), last4: secret.slice(-4) }
}

/** Base62 digits of a millisecond time: 8 of them last until the year 8888, and they sort as the times do. */
const TIME_DIGITS = 8
/** Random digits after a request id's time: 71 bits, so ids made in the same millisecond do not collide. */
const REQUEST_RANDOM_DIGITS = 12

/** `ms` as TIME_DIGITS base62 digits, zero-padded: BASE62 is in ASCII order, so the strings compare as the numbers. */
export function base62Time(ms: number): string {
  let out = ''
  let rest = Math.max(0, Math.floor(ms))
  for (let i = 0; i < TIME_DIGITS; i++) {
    out = BASE62[rest % 62]! + out
    rest = Math.floor(rest / 62)
  }
  return out
}

/**
 * `req_` ids are 20 base62 characters like the others, but the first 8 are the time they were made: a usage row's
 * primary key then lands at the end of its index instead of at a random page of it, which keeps the cost of a write
 * flat as the table grows. The rest is random, so an id is still not guessable from another.
 */
export function newId(kind: 'org' | 'key' | 'req' | 'price' | 'job', now: number = Date.now()): string {
  // A job's id is also the request id of its one usage row: time-ordered the same way.
  if (kind === 'req' || kind === 'job') return `${kind}_${base62Time(now)}${randomBase62(REQUEST_RANDOM_DIGITS)}`
  return `${kind}_${randomBase62(16)}`
}
