// The signed-out views: sign in with email and password, or with a gateway key; accept an invite by setting a password.
import { api, ApiError, type Identity } from './api.ts'
import { h, replace } from './dom.ts'

function errorText(error: unknown): string {
  return error instanceof ApiError ? error.message : 'The gateway could not be reached.'
}

export function signInView(root: HTMLElement, signedIn: (identity: Identity) => void): void {
  const status = h('p', { class: 'error', role: 'alert', 'aria-live': 'assertive' })
  const submit = (path: string, fields: (data: FormData) => Record<string, string>) => async (event: Event) => {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const button = form.querySelector('button')
    button?.setAttribute('disabled', '')
    try {
      signedIn(await api<Identity>(path, { method: 'POST', body: fields(new FormData(form)) }))
    } catch (error) {
      status.textContent = errorText(error)
    } finally {
      button?.removeAttribute('disabled')
    }
  }
  replace(
    root,
    h(
      'main',
      { class: 'sign-in', id: 'main' },
      h('h1', {}, 'Sociaro dashboard'),
      status,
      h(
        'form',
        { 'aria-label': 'Sign in with email', 'data-testid': 'password-sign-in', onsubmit: submit('/login', (d) => ({ email: String(d.get('email') ?? ''), password: String(d.get('password') ?? '') })) },
        h('h2', {}, 'Sign in'),
        h('label', { for: 'email' }, h('span', {}, 'Email'), h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true, autofocus: true })),
        h('label', { for: 'password' }, h('span', {}, 'Password'), h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
        h('button', { type: 'submit' }, 'Sign in'),
      ),
      h(
        'form',
        { 'aria-label': 'Sign in with a gateway key', 'data-testid': 'key-sign-in', onsubmit: submit('/login/key', (d) => ({ key: String(d.get('key') ?? '') })) },
        h('h2', {}, 'Or use your gateway key'),
        h('p', { class: 'muted' }, 'See the usage, limits and budget of that one key.'),
        h('label', { for: 'gateway-key' }, h('span', {}, 'Gateway key'), h('input', { id: 'gateway-key', name: 'key', type: 'password', autocomplete: 'off', placeholder: 'gw_live_…', required: true })),
        h('button', { type: 'submit' }, 'Sign in with key'),
      ),
    ),
  )
}

export function inviteView(root: HTMLElement, token: string, done: () => void): void {
  const status = h('p', { role: 'alert', 'aria-live': 'assertive' })
  replace(
    root,
    h(
      'main',
      { class: 'sign-in', id: 'main' },
      h('h1', {}, 'Set your password'),
      status,
      h(
        'form',
        {
          'data-testid': 'invite-form',
          onsubmit: async (event: Event) => {
            event.preventDefault()
            const data = new FormData(event.target as HTMLFormElement)
            const password = String(data.get('password') ?? '')
            if (password !== String(data.get('repeat') ?? '')) {
              status.textContent = 'The two passwords differ.'
              return
            }
            try {
              const { email } = await api<{ email: string }>('/invite', { method: 'POST', body: { token, password } })
              status.textContent = `Password set for ${email}. You can sign in now.`
              setTimeout(done, 800)
            } catch (error) {
              status.textContent = errorText(error)
            }
          },
        },
        h('label', { for: 'new-password' }, h('span', {}, 'New password (at least 12 characters)'), h('input', { id: 'new-password', name: 'password', type: 'password', autocomplete: 'new-password', minlength: '12', required: true })),
        h('label', { for: 'repeat-password' }, h('span', {}, 'Repeat it'), h('input', { id: 'repeat-password', name: 'repeat', type: 'password', autocomplete: 'new-password', minlength: '12', required: true })),
        h('button', { type: 'submit' }, 'Set password'),
      ),
    ),
  )
}
