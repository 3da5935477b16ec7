// Gateway key secrets: generation (gw_live_ + 256 random bits in base62), hashing and display parts.
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

export function newId(kind: 'org' | 'key' | 'req' | 'price'): string {
  return `${kind}_${randomBase62(kind === 'req' ? 20 : 16)}`
}
