// CLI commands for dashboard users: create (password from stdin, or --invite printing a one-time link), list, invite, disable.
import { invitePath } from '../services/dashboard-views.ts'
import type { CliContext } from './admin-commands.ts'
import { intFlag, parse, UsageError } from './args.ts'
import { HELP } from './help.ts'

const DEFAULT_BASE_URL = 'http://127.0.0.1:8080'

export async function usersCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  const { values, positionals } = parse(rest, {
    org: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string' },
    invite: { type: 'boolean' },
    'invite-hours': { type: 'string' },
    'base-url': { type: 'string' },
  })
  if (values.help || !sub) return ctx.out(HELP.users!)
  const hours = intFlag(values['invite-hours'], '--invite-hours')
  const link = (token: string) => `${(values['base-url'] ?? DEFAULT_BASE_URL).replace(/\/+$/, '')}${invitePath(token)}`
  switch (sub) {
    case 'create': {
      if (!values.org || !values.email || !values.role) throw new UsageError('users create needs --org NAME --email ADDRESS --role viewer|admin')
      // A password on the command line would sit in the shell history and in `ps`: stdin or an invite only.
      const password = values.invite ? undefined : (await ctx.readStdin()).replace(/\r?\n$/, '')
      const view = await ctx.services.users.create({
        org: values.org,
        email: values.email,
        role: values.role,
        ...(password !== undefined ? { password } : {}),
        ...(hours !== undefined ? { invite_hours: hours } : {}),
      })
      const invite = view.invite ? { ...view.invite, url: link(view.invite.token) } : null
      if (values.json) return ctx.out(JSON.stringify({ ...view, invite }))
      const head = `created dashboard user ${view.email} (${view.id}), ${view.role} of org ${view.org_id}`
      return ctx.out(invite ? `${head}\n\nOne-time link to set the password (expires ${invite.expires_at}):\n\n  ${invite.url}` : head)
    }
    case 'invite': {
      const id = positionals[0]
      if (!id) throw new UsageError('users invite needs a user ID')
      const invite = await ctx.services.users.invite(id, hours)
      if (values.json) return ctx.out(JSON.stringify({ ...invite, url: link(invite.token) }))
      return ctx.out(`One-time link to set the password (expires ${invite.expires_at}):\n\n  ${link(invite.token)}`)
    }
    case 'disable': {
      const id = positionals[0]
      if (!id) throw new UsageError('users disable needs a user ID')
      const view = await ctx.services.users.disable(id)
      return ctx.out(values.json ? JSON.stringify(view) : `disabled dashboard user ${view.email}; their sessions have ended`)
    }
    case 'list': {
      const users = await ctx.services.users.list(values.org)
      if (values.json) return ctx.out(JSON.stringify(users))
      if (users.length === 0) return ctx.out('(none)')
      return ctx.out(users.map((u) => [u.id, u.org_id, u.email, u.role, u.status, u.has_password ? 'password set' : 'invite pending'].join('  ')).join('\n'))
    }
    default:
      throw new UsageError(`unknown command "users ${sub}"\n\n${HELP.users}`)
  }
}
