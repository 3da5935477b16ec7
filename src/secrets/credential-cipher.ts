// Seals provider credentials at rest with AES-256-GCM under a key derived from SOCIARO_SECRET_KEY.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

export interface CredentialCipher {
  /** Fingerprint of the secret key, stored beside each sealed value. */
  readonly keyId: string
  seal(plaintext: string): string
  open(sealed: string): string
}

export function createCredentialCipher(secretKey: string): CredentialCipher {
  const key = createHash('sha256').update(`sociaro-credentials:${secretKey}`).digest()
  const keyId = createHash('sha256').update(`sociaro-key-id:${secretKey}`).digest('hex').slice(0, 16)
  return {
    keyId,
    seal(plaintext) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')
    },
    open(sealed) {
      const raw = Buffer.from(sealed, 'base64')
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
      decipher.setAuthTag(raw.subarray(raw.length - 16))
      return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8')
    },
  }
}
