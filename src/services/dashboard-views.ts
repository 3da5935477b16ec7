// Dashboard users and sessions as API objects: never a hash, never a session token.
import type { DashboardUserRow } from '../db/schema.ts'
import type { DashboardIdentity } from '../types/dashboard-api.ts'

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

/** Who a dashboard session belongs to (the type is shared with the dashboard's UI). */
export type { DashboardIdentity }

/** Where an invite is accepted: the dashboard's own page, the token in the fragment so it never reaches a log or a Referer. */
export const invitePath = (token: string) => `/dashboard#/invite/${token}`
