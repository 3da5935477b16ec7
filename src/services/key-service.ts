// Gateway keys: validated settings in, views out (the secret once, at creation); every change is announced as `key.changed`.
import type { ApiKeyRow } from '../db/schema.ts'
import { createKey, listKeys, requireKey, revokeKey, updateKey } from '../store/keys.ts'
import { StoreError } from '../store/orgs.ts'
import type { ServiceContext } from './service-context.ts'
import { keySettings, type KeyInput } from './limit-input.ts'
import { viewKey, type CreatedKeyView, type KeyView, type WithBudget } from './views.ts'

export interface KeyService<B> {
  /** Every key (of one org, by id or name, when given) with its current-period budget state; never a secret. */
  list(org?: string): Promise<WithBudget<KeyView, B>[]>
  get(id: string): Promise<WithBudget<KeyView, B>>
  /** The only answer that carries the secret. */
  create(input: KeyInput): Promise<CreatedKeyView>
  /** Takes effect for the next request (the key cache follows `key.changed`). */
  update(id: string, input: KeyInput): Promise<KeyView>
  revoke(id: string): Promise<KeyView>
}

export function createKeyService<B>(ctx: ServiceContext<B>): KeyService<B> {
  const withBudget = async (row: ApiKeyRow) => ({ ...viewKey(row), budget: (await ctx.budgets.key(row)) ?? null })
  const changed = async (row: ApiKeyRow) => {
    await ctx.events.emit({ type: 'key.changed', key: row })
    return viewKey(row)
  }
  return {
    list: async (org) => Promise.all((await listKeys(ctx.db, org)).map(withBudget)),
    get: async (id) => withBudget(await requireKey(ctx.db, id)),
    async create(input) {
      if (!input.org) throw new StoreError('invalid', 'org is required')
      const { row, secret } = await createKey(ctx.db, input.org, keySettings(input, ctx.providerNames))
      return { ...(await changed(row)), key: secret }
    },
    update: async (id, input) => changed(await updateKey(ctx.db, id, keySettings(input, ctx.providerNames))),
    revoke: async (id) => changed(await revokeKey(ctx.db, id)),
  }
}
