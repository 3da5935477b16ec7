// A reference to the credential a job was created with: where it came from and a short fingerprint, never the secret.
import { createHash } from 'node:crypto'

/** `<source>:<first 16 hex of SHA-256>`; `none` when there was no credential. */
export function credentialRef(source: string | undefined, secret: string | undefined): string {
  if (!secret) return 'none'
  return `${source ?? 'unknown'}:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`
}
