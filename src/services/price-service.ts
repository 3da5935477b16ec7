// Price overrides and repricing: validated in, views out; a change is announced as `prices.changed` and answered once in force.
import { priceFieldsFromInput, type PriceInput } from '../pricing/override-input.ts'
import type { PriceFields } from '../pricing/types.ts'
import { requireOrg, StoreError } from '../store/orgs.ts'
import { createPriceOverride, deletePriceOverride, listPriceOverrides } from '../store/price-overrides.ts'
import type { RepriceResult } from '../types/reprice.ts'
import { parseIsoDate } from './inputs.ts'
import type { ServiceContext } from './service-context.ts'
import { viewPrice, type PriceView } from './views.ts'

export interface PriceOverrideInput extends PriceInput {
  /** Id or name; absent: the override applies to every org. */
  org?: string
  /** A provider id or alias, or "*" for every provider. */
  provider: string
  /** A model name or glob pattern. */
  model: string
}

export interface RepriceInput {
  /** ISO 8601; rows started in [from, to). */
  from: string
  to: string
  /** Id or name; absent: every org. */
  org?: string
}

export interface PriceService {
  list(): Promise<PriceView[]>
  /** Resolves once the metering worker prices with it: a request sent after the answer is priced with the new override. */
  create(input: PriceOverrideInput): Promise<PriceView>
  remove(id: string): Promise<{ deleted: string }>
  /** Recomputes stored costs over the range with every override in force; never on the proxy thread in a gateway. */
  reprice(input: RepriceInput): Promise<RepriceResult>
}

export function createPriceService<B>(ctx: ServiceContext<B>): PriceService {
  return {
    list: async () => (await listPriceOverrides(ctx.db)).map(viewPrice),
    async create(input) {
      const provider = input.provider === '*' ? '*' : ctx.canonicalProvider(input.provider)
      if (!provider) throw new StoreError('invalid', `unknown provider "${input.provider}"`)
      const orgId = input.org ? (await requireOrg(ctx.db, input.org)).id : null
      let fields: PriceFields
      try {
        fields = priceFieldsFromInput(input)
      } catch (error) {
        throw new StoreError('invalid', (error as Error).message)
      }
      const row = await createPriceOverride(ctx.db, { orgId, provider, modelPattern: input.model, fields })
      await ctx.events.emit({ type: 'prices.changed' })
      return viewPrice(row)
    },
    async remove(id) {
      await deletePriceOverride(ctx.db, id)
      await ctx.events.emit({ type: 'prices.changed' })
      return { deleted: id }
    },
    async reprice(input) {
      const from = parseIsoDate(input.from, 'from')
      const to = parseIsoDate(input.to, 'to')
      const orgId = input.org ? (await requireOrg(ctx.db, input.org)).id : undefined
      return ctx.reprice({ from, to, ...(orgId ? { orgId } : {}) })
    },
  }
}
