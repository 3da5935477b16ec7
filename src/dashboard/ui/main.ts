// The dashboard's entry: the session, the hash router (#/overview, #/keys/ID, #/requests?…), the shell with its navigation and theme switch.
import { api, ApiError, useSession, type Identity } from './api.ts'
import { destroyCharts } from './chart.ts'
import { h, replace } from './dom.ts'
import { explorePage } from './explore-page.ts'
import { keysPage } from './keys-page.ts'
import { overviewPage } from './overview-page.ts'
import type { Page, PageContext } from './page.ts'
import { requestsPage } from './requests-page.ts'
import { inviteView, signInView } from './sign-in.ts'
import { jobsPage } from './jobs-page.ts'

const PAGES: Record<string, { title: string; page: Page }> = {
  overview: { title: 'Overview', page: overviewPage },
  explore: { title: 'Explore', page: explorePage },
  keys: { title: 'Keys', page: keysPage },
  requests: { title: 'Requests', page: requestsPage },
  jobs: { title: 'Jobs', page: jobsPage },
}

const app = document.getElementById('app')!
let identity: Identity | undefined

function applyTheme(theme: string | null): void {
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme
  else delete document.documentElement.dataset.theme
}
applyTheme(localStorage.getItem('sociaro-theme'))

function route(): { name: string; rest: string[]; params: URLSearchParams } {
  const hash = location.hash.replace(/^#\/?/, '')
  const [path = '', search = ''] = hash.split('?')
  const [name = 'overview', ...rest] = path.split('/').filter(Boolean).map(decodeURIComponent)
  return { name, rest, params: new URLSearchParams(search) }
}

function go(path: string): void {
  location.hash = `#/${path}`
}

function signedOut(): void {
  identity = undefined
  useSession(undefined, signedOut)
  destroyCharts()
  signInView(app, (who) => {
    identity = who
    useSession(who, signedOut)
    render()
  })
}

function shell(current: string): { main: HTMLElement } {
  const who = identity!
  const main = h('main', { id: 'main', tabindex: '-1' })
  const dark = document.documentElement.dataset.theme === 'dark' || (!document.documentElement.dataset.theme && matchMedia('(prefers-color-scheme: dark)').matches)
  const themeButton = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'data-testid': 'theme',
      // A toggle: pressed while the dark theme shows.
      'aria-pressed': dark ? 'true' : 'false',
      onclick: () => {
        const next = dark ? 'light' : 'dark'
        localStorage.setItem('sociaro-theme', next)
        applyTheme(next)
        // Charts paint their axes in the theme's colours: drawn again.
        void render().then(() => document.querySelector<HTMLElement>('[data-testid=theme]')?.focus())
      },
    },
    'Dark theme',
  )
  replace(
    app,
    h('a', { class: 'skip', href: '#main', onclick: (e: Event) => (e.preventDefault(), main.focus()) }, 'Skip to content'),
    h(
      'header',
      { class: 'top' },
      h('div', { class: 'brand' }, h('strong', {}, 'Sociaro'), ' ', h('span', { class: 'muted', 'data-testid': 'org-name' }, who.org_name)),
      h(
        'nav',
        { 'aria-label': 'Pages' },
        Object.entries(PAGES).map(([name, { title }]) => h('a', { href: `#/${name}`, 'aria-current': name === current ? 'page' : undefined }, title)),
      ),
      h(
        'div',
        { class: 'who' },
        h('span', { class: 'muted', 'data-testid': 'who' }, who.role === 'key' ? 'key holder' : `${who.email} (${who.role})`),
        themeButton,
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: async () => {
              await api('/logout', { method: 'POST', body: {} }).catch(() => undefined)
              signedOut()
            },
          },
          'Sign out',
        ),
      ),
    ),
    main,
  )
  return { main }
}

let renderCount = 0
async function render(): Promise<void> {
  const current = route()
  if (current.name === 'invite' && current.rest[0]) {
    const token = current.rest[0]
    // The token leaves the address bar (and the history) once read.
    history.replaceState(null, '', location.pathname)
    inviteView(app, token, () => (identity ? render() : signedOut()))
    return
  }
  if (!identity) {
    try {
      identity = await api<Identity>('/session')
      useSession(identity, signedOut)
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return signedOut()
      replace(app, h('p', { class: 'error', role: 'alert' }, 'The dashboard could not reach the gateway.'))
      return
    }
  }
  const entry = PAGES[current.name] ?? PAGES.overview!
  const name = PAGES[current.name] ? current.name : 'overview'
  document.title = `${entry.title} · Sociaro`
  const { main } = shell(name)
  const mine = ++renderCount
  const ctx: PageContext = {
    identity,
    params: current.params,
    rest: current.rest,
    go,
    setParams(changes) {
      const params = new URLSearchParams(current.params)
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined || value === '') params.delete(key)
        else params.set(key, value)
      }
      const text = params.toString()
      location.hash = `#/${[name, ...current.rest].join('/')}${text ? `?${text}` : ''}`
    },
  }
  main.setAttribute('aria-busy', 'true')
  try {
    await entry.page(main, ctx)
  } catch (error) {
    if (mine !== renderCount) return
    if (error instanceof ApiError && error.status === 401) return
    replace(main, h('p', { class: 'error', role: 'alert' }, error instanceof ApiError ? error.message : 'This page could not be shown.'))
  } finally {
    main.removeAttribute('aria-busy')
    main.setAttribute('data-ready', 'true')
  }
}

// The page is sent with frame-ancestors 'none' and X-Frame-Options; should a proxy drop them (a meta CSP cannot say
// it), a framed copy (clickjacking the revoke button) still shows nothing.
if (window.top !== window.self) replace(app, h('p', { class: 'error' }, 'The dashboard cannot be shown inside a frame; open it directly.'))
else {
  window.addEventListener('hashchange', () => void render())
  void render()
}
