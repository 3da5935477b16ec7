// Provider credentials at rest: sealed on write, opened only into the running server's memory.
import { providerCredentials } from '../db/schema.ts'
import type { Db } from '../db/client.ts'
import type { CredentialCipher } from '../secrets/credential-cipher.ts'

export async function setCredential(db: Db, cipher: CredentialCipher, provider: string, secret: string, now = Date.now()) {
  const row = { provider, sealed: cipher.seal(secret), keyId: cipher.keyId, updatedAt: now }
  await db
    .insert(providerCredentials)
    .values(row)
    .onConflictDoUpdate({ target: providerCredentials.provider, set: { sealed: row.sealed, keyId: row.keyId, updatedAt: now } })
}

export async function listStoredCredentials(db: Db) {
  return db.select().from(providerCredentials)
}
