// Dashboard users and sessions as API objects: never a hash, never a session token.
import type { DashboardUserRow } from '../db/schema.ts'

export interface DashboardUserView {
  id: string
  org_id: string
  email: string
  role: 'viewer' | 'admin'
  /** Whether a password is set (false until the invite is accepted). */
  has_password: boolean
  status: 'active' | 'disabled'
  created_at: string
  disabled_at: string | null
}

export function viewDashboardUser(row: DashboardUserRow): DashboardUserView {
  return {
    id: row.id,
    org_id: row.orgId,
    email: row.email,
    role: row.role,
    has_password: row.passwordHash !== null,
    status: row.disabledAt === null ? 'active' : 'disabled',
    created_at: new Date(row.createdAt).toISOString(),
    disabled_at: row.disabledAt === null ? null : new Date(row.disabledAt).toISOString(),
  }
}

/** Who a dashboard session belongs to, as the dashboard's pages see it. */
export interface DashboardIdentity {
  org_id: string
  org_name: string
  time_zone: string
  /** "key" for a key holder, who sees that key only. */
  role: 'viewer' | 'admin' | 'key'
  email: string | null
  key_id: string | null
  /** Sent back in the x-csrf-token header on every change. */
  csrf_token: string
  expires_at: string
}

/** Where an invite is accepted: the dashboard's own page, the token in the fragment so it never reaches a log or a Referer. */
export const invitePath = (token: string) => `/dashboard#/invite/${token}`
