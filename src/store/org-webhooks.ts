// An org's job webhook at rest: its URL, and its signing secret sealed like provider credentials.
import { eq } from 'drizzle-orm'
import { orgs } from '../db/schema.ts'
import type { Db } from '../db/client.ts'
import type { CredentialCipher } from '../secrets/credential-cipher.ts'

export async function setOrgWebhook(db: Db, cipher: CredentialCipher, orgId: string, url: string, secret: string, now: number): Promise<void> {
  await db.update(orgs).set({ webhookUrl: url, webhookSecret: cipher.seal(secret), webhookKeyId: cipher.keyId, updatedAt: now }).where(eq(orgs.id, orgId))
}

export async function clearOrgWebhook(db: Db, orgId: string, now: number): Promise<void> {
  await db.update(orgs).set({ webhookUrl: null, webhookSecret: null, webhookKeyId: null, updatedAt: now }).where(eq(orgs.id, orgId))
}
