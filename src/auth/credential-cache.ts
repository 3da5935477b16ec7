// In-memory provider credentials for the hot path: the built-in mock's own, the env value, else the sealed one from the DB, opened once.
import { gte } from 'drizzle-orm'
import type { ResolvedProvider } from '../config.ts'
import type { Db } from '../db/client.ts'
import { providerCredentials } from '../db/schema.ts'
import type { Logger } from '../log.ts'
import type { CredentialCipher } from '../secrets/credential-cipher.ts'

/** Where a provider's credential comes from, in the order `CredentialCache.get` picks it. */
export type CredentialSource = 'built-in' | 'environment' | 'stored'

export function credentialSource(provider: ResolvedProvider, hasStored: boolean): CredentialSource | undefined {
  if (provider.inProcess) return 'built-in'
  if (provider.envCredential) return 'environment'
  return hasStored ? 'stored' : undefined
}

export class CredentialCache {
  private stored = new Map<string, { secret: string; updatedAt: number }>()
  private watermark = 0

  constructor(
    private readonly db: Db,
    private readonly cipher: CredentialCipher,
    private readonly log: Logger,
  ) {}

  /** An in-process upstream's own credential first (nothing can configure it); then the environment, the deployment's declared truth. */
  get(provider: ResolvedProvider): string | undefined {
    return provider.internalCredential ?? provider.envCredential ?? this.stored.get(provider.spec.id)?.secret
  }

  source(provider: ResolvedProvider): CredentialSource | undefined {
    return credentialSource(provider, this.stored.has(provider.spec.id))
  }

  /** Providers with a credential from the database (ids). */
  storedProviders(): ReadonlySet<string> {
    return new Set(this.stored.keys())
  }

  put(provider: string, secret: string, updatedAt: number): void {
    this.stored.set(provider, { secret, updatedAt })
    this.watermark = Math.max(this.watermark, updatedAt)
  }

  async refresh(): Promise<void> {
    const rows = await this.db
      .select()
      .from(providerCredentials)
      .where(gte(providerCredentials.updatedAt, Math.max(0, this.watermark - 60_000)))
    for (const row of rows) {
      if (this.stored.get(row.provider)?.updatedAt === row.updatedAt) continue
      if (row.keyId !== this.cipher.keyId) {
        this.log.error('stored credential was sealed with a different SOCIARO_SECRET_KEY; ignoring it', { provider: row.provider })
        continue
      }
      try {
        this.put(row.provider, this.cipher.open(row.sealed), row.updatedAt)
      } catch {
        this.log.error('stored credential could not be decrypted; ignoring it', { provider: row.provider })
      }
    }
  }
}
