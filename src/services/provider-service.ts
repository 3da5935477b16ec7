// Providers and their credentials: where each credential comes from, and storing one (encrypted), announced as `credential.changed`.
import { credentialSource } from '../auth/credential-cache.ts'
import { MOCK_PROVIDER_ID } from '../providers/mock.ts'
import { setCredential } from '../store/credentials.ts'
import { StoreError } from '../store/orgs.ts'
import type { ServiceContext } from './service-context.ts'
import type { ProviderView } from './views.ts'

export interface ProviderService {
  /** Every provider served, with where its credential comes from ("missing" when it has none). */
  list(): Promise<ProviderView[]>
  /** Encrypted at rest; in force for the next request. `provider` is an id or alias. */
  setCredential(provider: string, secret: string): Promise<{ provider: string; credential: 'stored' }>
}

export function createProviderService<B>(ctx: ServiceContext<B>): ProviderService {
  return {
    async list() {
      const stored = await ctx.storedCredentials()
      return ctx.providers.map((p) => ({
        id: p.spec.id,
        name: p.spec.displayName,
        aliases: [...(p.spec.aliases ?? [])],
        base_url: p.baseUrl,
        credential: credentialSource(p, stored.has(p.spec.id)) ?? 'missing',
      }))
    },
    async setCredential(provider, secret) {
      const id = ctx.canonicalProvider(provider)
      if (!id) throw new StoreError('not_found', `unknown provider "${provider}"`)
      // Its credential is generated for its in-process upstream at start-up: a stored one would never be used.
      if (id === MOCK_PROVIDER_ID) throw new StoreError('invalid', 'the mock provider needs no credential')
      const value = secret.trim()
      if (!value) throw new StoreError('invalid', 'the credential is empty')
      const updatedAt = Date.now()
      await setCredential(ctx.db, ctx.cipher(), id, value, updatedAt)
      await ctx.events.emit({ type: 'credential.changed', provider: id, secret: value, updatedAt })
      return { provider: id, credential: 'stored' }
    },
  }
}
