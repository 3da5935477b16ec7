// Dashboard sign-in and sessions: a user's password or a key holder's gateway key in, a server-side session out; every request resolves its session here.
import { hashKeySecret } from '../auth/key-format.ts'
import type { DashboardSessionRow } from '../db/schema.ts'
import { ServiceError } from '../errors/service-error.ts'
import { createSession, findLiveSession, revokeSession } from '../store/dashboard-sessions.ts'
import { findDashboardUser, findDashboardUserByEmail, sha256Hex } from '../store/dashboard-users.ts'
import { findKeyByHash, requireKey } from '../store/keys.ts'
import { requireOrg } from '../store/orgs.ts'
import { MAX_PASSWORD_CHARS } from './dashboard-user-service.ts'
import type { DashboardIdentity } from './dashboard-views.ts'
import type { DashboardSessionOptions, ServiceContext } from './service-context.ts'
import { SessionCache, type CachedSession } from './session-cache.ts'
import { SignInLimiter } from './sign-in-limiter.ts'

const DEFAULT_SESSION_MS = 12 * 3_600_000
const SIGN_IN_REFUSED = 'The email or password is wrong, or the account is disabled.'
const KEY_REFUSED = 'That gateway key is unknown, revoked or expired.'

/** A live session as a request sees it: the scope every dashboard read is bound to, decided here, never by the client. */
export interface DashboardSession {
  readonly orgId: string
  /** Set for key holders: every read is narrowed to this key. */
  readonly keyId: string | null
  readonly role: 'viewer' | 'admin' | 'key'
  readonly csrfToken: string
  readonly identity: DashboardIdentity
}

export interface SignedIn {
  /** The cookie's value, in the clear once; the store keeps its hash. */
  token: string
  session: DashboardSession
}

export interface DashboardSessionService {
  signIn(email: string, password: string, address: string | undefined): Promise<SignedIn>
  signInWithKey(secret: string, address: string | undefined): Promise<SignedIn>
  /**
   * The live session for a cookie token; undefined once expired, revoked, its user disabled or its key revoked.
   * Served from a bounded cache (no database read for most of a page's calls); changes drop entries at once.
   */
  resolve(token: string): Promise<DashboardSession | undefined>
  signOut(token: string): Promise<void>
}

/** Verified when the email is unknown, so an unknown account takes as long to refuse as a wrong password. */
let decoyHash: Promise<string> | undefined

export function createDashboardSessionService<B>(ctx: ServiceContext<B>, options: DashboardSessionOptions = {}): DashboardSessionService {
  const limiter = new SignInLimiter(ctx.now, options.limits)
  const ttl = options.sessionMs ?? DEFAULT_SESSION_MS
  const throttle = (account: string, address: string | undefined) => {
    const wait = limiter.wait(account, address)
    if (wait > 0) throw new ServiceError('rate_limited', `Too many failed sign-ins; try again in ${Math.ceil(wait / 60_000)} minute(s).`)
  }

  const cache = new SessionCache<DashboardSession>(options.cache)
  // Whatever makes a cached session wrong drops it before the change's answer: a revoked key or disabled user is
  // refused on the very next request; an org change (name, zone) is shown at once.
  ctx.events.on('key.changed', ({ key }) => cache.drop((entry) => entry.session.keyId === key.id))
  ctx.events.on('org.changed', ({ org }) => cache.drop((entry) => entry.session.orgId === org.id))
  ctx.events.on('dashboard-user.changed', ({ userId }) => cache.drop((entry) => entry.userId === userId))

  const sessionOf = async (row: DashboardSessionRow): Promise<CachedSession<DashboardSession> | undefined> => {
    const org = await requireOrg(ctx.db, row.orgId).catch(() => undefined)
    if (!org) return undefined
    let role: DashboardSession['role'] = 'key'
    let email: string | null = null
    let keyExpiresAt: number | null = null
    if (row.userId !== null) {
      const user = await findDashboardUser(ctx.db, row.userId)
      if (!user || user.disabledAt !== null || user.orgId !== row.orgId) return undefined
      role = user.role
      email = user.email
    } else {
      const key = row.keyId === null ? undefined : await requireKey(ctx.db, row.keyId).catch(() => undefined)
      if (!key || key.orgId !== row.orgId || key.status !== 'active' || (key.expiresAt !== null && key.expiresAt <= ctx.now())) return undefined
      keyExpiresAt = key.expiresAt
    }
    const session: DashboardSession = {
      orgId: row.orgId,
      keyId: row.keyId,
      role,
      csrfToken: row.csrfToken,
      identity: {
        org_id: org.id,
        org_name: org.name,
        time_zone: org.timeZone,
        role,
        email,
        key_id: row.keyId,
        csrf_token: row.csrfToken,
        expires_at: new Date(row.expiresAt).toISOString(),
      },
    }
    return { session, userId: row.userId, expiresAt: row.expiresAt, keyExpiresAt, loadedAt: ctx.now() }
  }
  const open = async (owner: { orgId: string; userId: string | null; keyId: string | null }): Promise<SignedIn> => {
    const { token, row } = await createSession(ctx.db, owner, ctx.now(), ttl)
    const entry = await sessionOf(row)
    if (!entry) throw new ServiceError('unauthorized', SIGN_IN_REFUSED)
    cache.set(row.tokenHash, entry)
    return { token, session: entry.session }
  }

  return {
    async signIn(rawEmail, password, address) {
      const email = String(rawEmail ?? '').trim().toLowerCase().slice(0, 254)
      throttle(email, address)
      const user = email ? await findDashboardUserByEmail(ctx.db, email) : undefined
      const candidate = typeof password === 'string' ? password.slice(0, MAX_PASSWORD_CHARS + 1) : ''
      const hash = user?.passwordHash ?? (await (decoyHash ??= Bun.password.hash('decoy password for timing', { algorithm: 'argon2id' })))
      const matches = candidate.length > 0 && candidate.length <= MAX_PASSWORD_CHARS && (await Bun.password.verify(candidate, hash))
      if (!user || !user.passwordHash || user.disabledAt !== null || !matches) {
        limiter.failed(email, address)
        throw new ServiceError('unauthorized', SIGN_IN_REFUSED)
      }
      limiter.succeeded(email)
      return open({ orgId: user.orgId, userId: user.id, keyId: null })
    },
    async signInWithKey(rawSecret, address) {
      const secret = String(rawSecret ?? '').trim().slice(0, 200)
      // One digest serves as the throttle's account name and the key lookup (both are SHA-256 of the secret).
      const hash = hashKeySecret(secret)
      const account = `key:${hash.slice(0, 32)}`
      throttle(account, address)
      const key = secret ? await findKeyByHash(ctx.db, hash) : undefined
      if (!key || key.status !== 'active' || (key.expiresAt !== null && key.expiresAt <= ctx.now())) {
        limiter.failed(account, address)
        throw new ServiceError('unauthorized', KEY_REFUSED)
      }
      limiter.succeeded(account)
      return open({ orgId: key.orgId, userId: null, keyId: key.id })
    },
    async resolve(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 100) return undefined
      const hash = sha256Hex(token)
      const cached = cache.get(hash, ctx.now())
      if (cached) return cached
      const row = await findLiveSession(ctx.db, token, ctx.now())
      const entry = row ? await sessionOf(row) : undefined
      if (entry) cache.set(hash, entry)
      return entry?.session
    },
    async signOut(token) {
      if (typeof token !== 'string' || token.length > 100) return
      // Dropped before the write: a request racing the sign-out reads the database, which the write then settles.
      cache.delete(sha256Hex(token))
      await revokeSession(ctx.db, token, ctx.now())
      cache.delete(sha256Hex(token))
    },
  }
}
