// Organizations: validated settings in, views out; every change is announced as `org.changed`.
import type { OrgRow } from '../db/schema.ts'
import { createOrg, listOrgs, requireOrg, StoreError, updateOrg } from '../store/orgs.ts'
import type { ServiceContext } from './service-context.ts'
import { orgSettings, type OrgInput } from './limit-input.ts'
import { viewOrg, type OrgView, type WithBudget } from './views.ts'

export interface OrgService<B> {
  /** Every org with its current-period budget state. */
  list(): Promise<WithBudget<OrgView, B>[]>
  /** By id or name. */
  get(idOrName: string): Promise<WithBudget<OrgView, B>>
  create(input: OrgInput): Promise<OrgView>
  update(idOrName: string, input: OrgInput): Promise<OrgView>
}

export function createOrgService<B>(ctx: ServiceContext<B>): OrgService<B> {
  const withBudget = async (row: OrgRow) => ({ ...viewOrg(row), budget: (await ctx.budgets.org(row)) ?? null })
  const changed = async (row: OrgRow) => {
    await ctx.events.emit({ type: 'org.changed', org: row })
    return viewOrg(row)
  }
  return {
    list: async () => Promise.all((await listOrgs(ctx.db)).map(withBudget)),
    get: async (idOrName) => withBudget(await requireOrg(ctx.db, idOrName)),
    async create(input) {
      if (!input.name) throw new StoreError('invalid', 'name is required')
      return changed(await createOrg(ctx.db, input.name, orgSettings(input)))
    },
    update: async (idOrName, input) => changed(await updateOrg(ctx.db, idOrName, orgSettings(input))),
  }
}
