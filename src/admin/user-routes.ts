// Admin API for dashboard users: create (with a password or a one-time invite), list, re-invite, disable; a thin adapter over the services.
import { Elysia, t } from 'elysia'
import type { InviteView } from '../services/dashboard-user-service.ts'
import { invitePath } from '../services/dashboard-views.ts'
import type { Services } from '../services/services.ts'
import { CreatedDashboardUserSchema, DashboardUserSchema, InviteSchema, responses } from './admin-schemas.ts'

const withPath = (invite: InviteView) => ({ ...invite, path: invitePath(invite.token) })

export function userRoutes<B>(services: Services<B>) {
  return new Elysia({ name: 'admin-users' })
    .get('/users', async ({ query }) => ({ data: await services.users.list(query.org) }), {
      query: t.Object({ org: t.Optional(t.String()) }),
      response: responses({ 200: t.Object({ data: t.Array(DashboardUserSchema) }) }),
      detail: { summary: 'List dashboard users', tags: ['users'] },
    })
    .post(
      '/users',
      async ({ body, set }) => {
        const view = await services.users.create(body)
        set.status = 201
        return { ...view, invite: view.invite ? withPath(view.invite) : null }
      },
      {
        body: t.Object({
          org: t.String({ minLength: 1 }),
          email: t.String({ minLength: 3, maxLength: 254 }),
          role: t.Union([t.Literal('viewer'), t.Literal('admin')]),
          password: t.Optional(t.String({ maxLength: 256 })),
          invite_hours: t.Optional(t.Integer({ minimum: 1, maximum: 720 })),
        }),
        response: responses({ 201: CreatedDashboardUserSchema }),
        detail: { summary: 'Create a dashboard user; without a password the answer holds a one-time invite link', tags: ['users'] },
      },
    )
    .get('/users/:id', ({ params }) => services.users.get(params.id), { response: responses({ 200: DashboardUserSchema }), detail: { summary: 'Show a dashboard user', tags: ['users'] } })
    .post('/users/:id/invite', async ({ params, body }) => withPath(await services.users.invite(params.id, body?.invite_hours)), {
      body: t.Optional(t.Object({ invite_hours: t.Optional(t.Integer({ minimum: 1, maximum: 720 })) })),
      response: responses({ 200: InviteSchema }),
      detail: { summary: 'Issue a new one-time link that sets the password', tags: ['users'] },
    })
    .post('/users/:id/disable', ({ params }) => services.users.disable(params.id), {
      response: responses({ 200: DashboardUserSchema }),
      detail: { summary: 'Disable a dashboard user and end their sessions', tags: ['users'] },
    })
}
