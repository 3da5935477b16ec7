// Dashboard users: validated in (org, email, role, a password or an invite), views out; disabling one ends its sessions.
import { requireOrg, StoreError } from '../store/orgs.ts'
import { revokeUserSessions } from '../store/dashboard-sessions.ts'
import {
  acceptInvite,
  createInvite,
  disableDashboardUser,
  insertDashboardUser,
  listDashboardUsers,
  requireDashboardUser,
  type DashboardRole,
} from '../store/dashboard-users.ts'
import type { ServiceContext } from './service-context.ts'
import { viewDashboardUser, type DashboardUserView } from './dashboard-views.ts'

export const MIN_PASSWORD_CHARS = 12
/** Hashing is deliberately slow: an unbounded password would make it slower still. */
export const MAX_PASSWORD_CHARS = 256
const DEFAULT_INVITE_HOURS = 72
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,189}$/

export interface DashboardUserInput {
  /** Id or name. */
  org: string
  email: string
  role: string
  /** Set now (CLI from stdin); otherwise an invite is made. */
  password?: string
  /** Hours the invite link stays valid (default 72, at most 720). */
  invite_hours?: number
}

/** The invite's token in the clear, once: the adapter turns it into a link. */
export interface InviteView {
  token: string
  expires_at: string
}

export interface DashboardUserService {
  list(org?: string): Promise<DashboardUserView[]>
  get(id: string): Promise<DashboardUserView>
  /** With a password: ready to sign in. Without: answers with a one-time invite. */
  create(input: DashboardUserInput): Promise<DashboardUserView & { invite: InviteView | null }>
  /** A new one-time link (e.g. a forgotten password); earlier unused links stay valid until they expire. */
  invite(id: string, hours?: number): Promise<InviteView>
  /** Sets the password through an invite token: once, before it expires. */
  acceptInvite(token: string, password: string): Promise<DashboardUserView>
  /** Signs the user out everywhere and refuses their sign-ins from now on. */
  disable(id: string): Promise<DashboardUserView>
}

export function checkPassword(password: string): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_CHARS) throw new StoreError('invalid', `the password must have at least ${MIN_PASSWORD_CHARS} characters`)
  if (password.length > MAX_PASSWORD_CHARS) throw new StoreError('invalid', `the password must have at most ${MAX_PASSWORD_CHARS} characters`)
  return password
}

export const hashPassword = (password: string) => Bun.password.hash(checkPassword(password), { algorithm: 'argon2id' })

function checkRole(role: string): DashboardRole {
  if (role !== 'viewer' && role !== 'admin') throw new StoreError('invalid', 'role must be "viewer" or "admin"')
  return role
}

export function normalizeEmail(email: string): string {
  const value = String(email ?? '').trim().toLowerCase()
  if (!EMAIL_PATTERN.test(value)) throw new StoreError('invalid', `"${value.slice(0, 100)}" is not an email address`)
  return value
}

function inviteHours(hours: number | undefined): number {
  const value = hours ?? DEFAULT_INVITE_HOURS
  if (!Number.isInteger(value) || value < 1 || value > 720) throw new StoreError('invalid', 'invite_hours must be an integer from 1 to 720')
  return value
}

export function createDashboardUserService<B>(ctx: ServiceContext<B>): DashboardUserService {
  const issue = async (userId: string, hours: number | undefined): Promise<InviteView> => {
    const expiresAt = ctx.now() + inviteHours(hours) * 3_600_000
    return { token: await createInvite(ctx.db, userId, expiresAt), expires_at: new Date(expiresAt).toISOString() }
  }
  return {
    list: async (org) => (await listDashboardUsers(ctx.db, org ? (await requireOrg(ctx.db, org)).id : undefined)).map(viewDashboardUser),
    get: async (id) => viewDashboardUser(await requireDashboardUser(ctx.db, id)),
    async create(input) {
      const org = await requireOrg(ctx.db, input.org)
      const email = normalizeEmail(input.email)
      const role = checkRole(input.role)
      if (input.password !== undefined && input.invite_hours !== undefined) throw new StoreError('invalid', 'give a password or an invite, not both')
      const passwordHash = input.password === undefined ? null : await hashPassword(input.password)
      if (input.password === undefined) inviteHours(input.invite_hours)
      const row = await insertDashboardUser(ctx.db, { orgId: org.id, email, role, passwordHash }, ctx.now())
      const invite = passwordHash === null ? await issue(row.id, input.invite_hours) : null
      return { ...viewDashboardUser(row), invite }
    },
    async invite(id, hours) {
      const row = await requireDashboardUser(ctx.db, id)
      if (row.disabledAt !== null) throw new StoreError('invalid', 'the user is disabled')
      return issue(row.id, hours)
    },
    async acceptInvite(token, password) {
      const hash = await hashPassword(password)
      return viewDashboardUser(await acceptInvite(ctx.db, String(token ?? '').slice(0, 100), hash, ctx.now()))
    },
    async disable(id) {
      const row = await disableDashboardUser(ctx.db, id, ctx.now())
      await revokeUserSessions(ctx.db, id, ctx.now())
      await ctx.events.emit({ type: 'dashboard-user.changed', userId: id })
      return viewDashboardUser(row)
    },
  }
}
