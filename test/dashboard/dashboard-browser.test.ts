// The dashboard in a real browser (Debian chromium via playwright-core): each role signs in, every page draws, numbers match the admin API, roles and orgs hold, CSRF and session expiry work; a screenshot per page.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { chromiumAvailable, CHROMIUM, startBrowser, type Browser } from './browser.ts'
import { readFileSync } from 'node:fs'
import { PASSWORD, seedDashboard, seedJobs, type Seeded } from './seed.ts'

/** Only inside page.evaluate callbacks, which run in the browser: the tests' own type-check has no DOM library. */
declare const document: any
declare const location: any
declare const getComputedStyle: any

const ARTIFACTS = join(import.meta.dir, '../artifacts/dashboard')
const HOUR = 3_600_000

if (!chromiumAvailable) console.warn(`dashboard browser tests skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it)`)

describe.skipIf(!chromiumAvailable)('dashboard in chromium', () => {
  let gw: TestGateway
  let seeded: Seeded
  let browser: Browser
  // The gateway's clock: moved forward to expire sessions.
  let shift = 0

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    gw = await startTestGateway({ now: () => Date.now() + shift })
    seeded = await seedDashboard(gw, Date.now())
    expect((await gw.admin('PATCH', '/orgs/test-org', { budget_usd: 50, budget_period: 'month' })).status).toBe(200)
    const now = Date.now()
    const ended = ['succeeded', 'failed', 'canceled', 'expired'] as const
    await seedJobs(gw.dbUrl, [
      ...Array.from({ length: 12 }, (_, i) => ({
        orgId: gw.orgId,
        keyId: i % 2 === 0 ? gw.keyId : seeded.otherKeyId,
        status: ended[i % 4]!,
        createdAt: now - (i + 1) * 600_000,
        costMicros: ended[i % 4] === 'succeeded' ? 2_500_000 : 0,
        // The newest succeeded job's results go in 3 hours: flagged; the others' in 10 days: not.
        resultExpiresAt: ended[i % 4] === 'succeeded' ? now + (i === 0 ? 3 * HOUR : 240 * HOUR) : null,
      })),
      { orgId: gw.orgId, keyId: gw.keyId, status: 'running' as const, createdAt: now - 50 * HOUR, reservedMicros: 4_000_000 },
      { orgId: gw.orgId, keyId: seeded.otherKeyId, status: 'queued' as const, createdAt: now - 30 * HOUR },
    ])
    browser = await startBrowser()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await gw?.stop()
  })

  const fresh = async (): Promise<Page> => {
    await browser.context.clearCookies()
    for (const open of browser.context.pages()) await open.close()
    const page = await browser.context.newPage()
    page.on('pageerror', (error) => {
      throw error
    })
    return page
  }
  const ready = (page: Page) => page.waitForSelector('main[data-ready]:not([aria-busy])', { timeout: 30_000 })
  const visit = async (page: Page, route: string) => {
    await page.evaluate(() => document.querySelector('main')?.removeAttribute('data-ready'))
    await page.goto(`${gw.url}/dashboard#/${route}`)
    await ready(page)
  }
  const signIn = async (email: string) => {
    const page = await fresh()
    await page.goto(`${gw.url}/dashboard`)
    await page.fill('#email', email)
    await page.fill('#password', PASSWORD)
    await page.press('#password', 'Enter')
    await ready(page)
    return page
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })

  /** Every chart drew pixels on its canvas. */
  const chartsDrawn = async (page: Page, atLeast: number) => {
    await page.waitForSelector('[data-testid=chart][data-drawn]', { timeout: 10_000 })
    const painted = await page.$$eval('[data-testid=chart] canvas', (canvases) =>
      canvases.map((canvas) => {
        const c = canvas as any
        const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
        let opaque = 0
        // Alpha channel: uPlot draws on a transparent canvas.
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) opaque++
        return opaque
      }),
    )
    expect(painted.length).toBeGreaterThanOrEqual(atLeast)
    for (const count of painted) expect(count).toBeGreaterThan(100)
  }
  const shownRange = async (page: Page) => ({ from: (await page.getAttribute('.range', 'data-from'))!, to: (await page.getAttribute('.range', 'data-to'))! })
  const totalOf = async (page: Page, id: string) => Number(await page.getAttribute(`[data-testid=total-${id}]`, 'data-value'))
  const adminUsage = async (path: string) => (await (await gw.admin('GET', path)).json()) as { totals: { requests: number; cost_micros: number; errors: number; input_tokens: number; output_tokens: number } }

  test('a viewer sees the overview with drawn charts and the same numbers as the admin API, and no admin action anywhere', async () => {
    const page = await signIn(seeded.viewer)
    expect(await page.textContent('[data-testid=who]')).toContain('viewer')
    await chartsDrawn(page, 4)
    const range = await shownRange(page)
    const admin = await adminUsage(`/usage?org=test-org&group_by=provider&from=${range.from}&to=${range.to}`)
    expect(admin.totals.requests).toBe(240)
    expect(await totalOf(page, 'requests')).toBe(admin.totals.requests)
    expect(await totalOf(page, 'cost')).toBeCloseTo(admin.totals.cost_micros / 1_000_000, 9)
    expect(await totalOf(page, 'errors')).toBe(admin.totals.errors)
    expect(await totalOf(page, 'tokens')).toBe(admin.totals.input_tokens + admin.totals.output_tokens)
    expect(await page.textContent('[data-testid=cost-quality]')).toMatch(/estimated usage and .* unpriced/)
    const org = (await (await gw.admin('GET', '/orgs/test-org')).json()) as { budget: { limit_usd: number; spent_usd: number } }
    expect(Number(await page.getAttribute('[data-testid=budget]', 'data-limit'))).toBe(50)
    expect(Number(await page.getAttribute('[data-testid=budget]', 'data-spent'))).toBeCloseTo(org.budget.spent_usd, 6)
    expect(await page.textContent('[data-testid=budget]')).toContain('At this pace')
    await shot(page, 'overview-viewer')

    // Split by model, hour buckets, last 24 hours: the route keeps the view, and each model draws its own line.
    await visit(page, 'overview?range=24h&bucket=hour&split=model')
    await chartsDrawn(page, 4)
    expect(await page.$$eval('[data-testid=chart] .u-legend .u-series', (rows) => rows.length)).toBeGreaterThanOrEqual(3)
    const dayRange = await shownRange(page)
    expect(Date.parse(dayRange.to) - Date.parse(dayRange.from)).toBe(24 * HOUR)
    await shot(page, 'overview-split-by-model')

    await visit(page, 'keys')
    expect(await page.$$('[data-testid=keys-table] tbody tr')).toHaveLength(2)
    expect(await page.$('[data-testid=create-key]')).toBeNull()
    await shot(page, 'keys-viewer')
    await visit(page, `keys/${gw.keyId}`)
    await chartsDrawn(page, 2)
    expect(await page.$('[data-testid=key-admin]')).toBeNull()
    const keyAdmin = await adminUsage(`/usage?org=test-org&key=${gw.keyId}&group_by=provider&from=${(await shownRange(page)).from}&to=${(await shownRange(page)).to}`)
    expect(Number(await page.getAttribute('[data-testid=key-total-requests]', 'data-value'))).toBe(keyAdmin.totals.requests)
    await shot(page, 'key-viewer')

    // The server refuses the viewer too, even with the right CSRF token from its own page.
    const status = await page.evaluate(async () => {
      const session = (await (await fetch('/dashboard/api/session')).json()) as { csrf_token: string }
      const response = await fetch('/dashboard/api/keys', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token }, body: JSON.stringify({ name: 'sneaky' }) })
      return response.status
    })
    expect(status).toBe(403)

    await visit(page, 'requests')
    expect(await page.$$('[data-testid=requests-table] tbody tr')).toHaveLength(50)
    await page.click('[data-testid=load-more]')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=requests-table] tbody tr').length === 100)
    await page.click('[data-testid=requests-table] tbody tr:first-child button')
    expect(await page.textContent('[data-testid=request-detail]')).toContain('to first byte')
    await page.waitForSelector('[data-testid=cost-breakdown]')
    // A priced row (the newest two failed): its cost by kind, priced on the server from the stored counts.
    await page.click('[data-testid=requests-table] tbody tr:nth-child(3) button')
    await page.waitForSelector('[data-testid=cost-breakdown] tr[data-kind=input]')
    const parts = await page.$$eval('[data-testid=cost-breakdown] tbody tr[data-micros]', (trs) => trs.map((tr) => Number(tr.getAttribute('data-micros'))))
    expect(parts.length).toBeGreaterThanOrEqual(2)
    expect(parts.every((micros) => micros >= 0)).toBe(true)
    await shot(page, 'requests-viewer')
    await visit(page, `requests?key=${seeded.otherKeyId}`)
    const keys = await page.$$eval('[data-testid=requests-table] tbody tr td:nth-child(2)', (cells) => [...new Set(cells.map((c) => c.textContent))])
    expect(keys).toHaveLength(1)
    expect(keys[0]).toContain('second')
    await page.selectOption('#f-status', 'error')
    await page.click('form[aria-label=Filters] button[type=submit]')
    await page.waitForFunction(() => location.hash.includes('status=error'))
    await ready(page)
    const statuses = await page.$$eval('[data-testid=requests-table] tbody tr td:nth-child(4)', (cells) => cells.map((c) => Number(c.textContent)))
    expect(statuses).toHaveLength(8)
    expect(statuses.every((s) => s >= 400)).toBe(true)
  }, 120_000)

  test('explore: metric, grouping, bucket and filters come from the URL, and the total matches the admin API', async () => {
    const page = await signIn(seeded.viewer)
    await visit(page, 'explore?metric=requests&group=key&cumulative=1&range=30d')
    await chartsDrawn(page, 1)
    const range = await shownRange(page)
    const admin = await adminUsage(`/usage?org=test-org&group_by=key&from=${range.from}&to=${range.to}`)
    expect(Number(await page.getAttribute('[data-testid=explore-total]', 'data-value'))).toBe(admin.totals.requests)
    expect(await page.$$('[data-testid=explore-table] tbody tr')).toHaveLength(2)
    expect(await page.inputValue('#x-metric')).toBe('requests')
    expect(await page.isChecked('#x-cumulative')).toBe(true)
    await shot(page, 'explore')
    // A filter typed in the form lands in the URL.
    await page.fill('#x-model', 'openai/gpt-4o')
    await page.press('#x-model', 'Enter')
    await page.waitForFunction(() => location.hash.includes('model=openai%2Fgpt-4o'))
    await ready(page)
    const filtered = await adminUsage(`/usage?org=test-org&model=openai/gpt-4o&group_by=key&from=${range.from}&to=${range.to}`)
    await page.waitForSelector('[data-testid=explore-total]')
    expect(Number(await page.getAttribute('[data-testid=explore-total]', 'data-value'))).toBe(filtered.totals.requests)
    expect(filtered.totals.requests).toBe(120)

    // User, tag and status filters come from the URL too, and the total is the server's for the same filter.
    await visit(page, 'explore?metric=requests&range=30d&user=alice&tag=env%3Dprod&status=ok')
    expect(await page.inputValue('#x-user')).toBe('alice')
    expect(await page.inputValue('#x-tag')).toBe('env=prod')
    expect(await page.inputValue('#x-status')).toBe('ok')
    const narrowed = await shownRange(page)
    const server = await page.evaluate(async ({ from, to }) => (await (await fetch(`/dashboard/api/usage?group_by=provider&user=alice&tag=env%3Dprod&status=ok&from=${from}&to=${to}`)).json()) as { totals: { requests: number } }, narrowed)
    expect(server.totals.requests).toBeGreaterThan(0)
    expect(Number(await page.getAttribute('[data-testid=explore-total]', 'data-value'))).toBe(server.totals.requests)
    await page.selectOption('#x-status', 'error')
    await page.press('#x-user', 'Enter')
    await page.waitForFunction(() => location.hash.includes('status=error'))
    await ready(page)
    await shot(page, 'explore-user-tag-status')
  }, 120_000)

  test('jobs: in flight first, costs settled or reserved, an expiry warning, the status filter in the URL, and a CSV of exactly the rows shown', async () => {
    const page = await signIn(seeded.viewer)
    await visit(page, 'jobs')
    const rows = () => page.$$eval('[data-testid=jobs-table] tbody tr', (trs) => trs.map((tr) => ({ status: tr.getAttribute('data-status'), cells: [...tr.querySelectorAll('td')].map((td) => td.textContent) })))
    const all = await rows()
    expect(all).toHaveLength(14)
    expect(all.slice(0, 2).map((r) => r.status)).toEqual(['queued', 'running'])
    expect(all[1]!.cells[6]).toBe('$4.00 reserved')
    expect(all[1]!.cells[5]).toBe('2 d 2 h')
    expect(all[2]!.cells[6]).toBe('$2.50')
    expect(await page.$$('[data-testid=expiry-warning]')).toHaveLength(1)
    expect(await page.textContent('[data-testid=expiry-warning]')).toMatch(/results expire in 2 h 5\d min|results expire in 3 h 0 min/)
    await shot(page, 'jobs')
    const download = page.waitForEvent('download')
    await page.click('[data-testid=export-csv]')
    const csv = readFileSync((await (await download).path())!, 'utf8').trim().split('\r\n')
    expect(csv).toHaveLength(15)
    expect(csv.slice(1).map((line) => line.split(',')[0])).toEqual(all.map((r) => r.cells[0]))
    expect(csv[2]).toContain('$4.00 reserved')

    await page.selectOption('#j-status', 'failed')
    await page.waitForFunction(() => location.hash.includes('status=failed'))
    await ready(page)
    const failed = await rows()
    expect(failed.map((r) => r.status)).toEqual(['failed', 'failed', 'failed'])
    const admin = (await (await gw.admin('GET', '/jobs?org=test-org&status=failed')).json()) as { data: { id: string }[] }
    expect(failed.map((r) => r.cells[0])).toEqual(admin.data.map((j) => j.id))

    const globex = await signIn(seeded.globexAdmin)
    await visit(globex, 'jobs')
    expect(await globex.textContent('main .empty')).toContain('No async jobs yet')
    await shot(globex, 'jobs-empty')
  }, 120_000)

  test('keyboard, phone width and both themes: skip link, visible focus, the theme toggle by key, nothing wider than a 390 px screen', async () => {
    const page = await signIn(seeded.viewer)
    await page.emulateMedia({ colorScheme: 'light' })
    await visit(page, 'jobs')
    // The first Tab reaches the skip link, drawn with a visible outline; Enter moves focus to the page's content.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)
    expect(outline).toBe('solid')
    await page.keyboard.press('Enter')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main')
    // Navigation by keyboard alone: Tab to the Requests link, Enter opens it.
    await page.evaluate(() => (document.querySelector('.skip') as any).focus())
    let guard = 0
    while ((await page.evaluate(() => document.activeElement?.textContent)) !== 'Requests' && guard++ < 20) await page.keyboard.press('Tab')
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid')
    await page.evaluate(() => document.querySelector('main')?.removeAttribute('data-ready'))
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => location.hash === '#/requests')
    await ready(page)
    // The theme toggle, by keyboard: pressed in dark, and the page's colours follow.
    await page.focus('[data-testid=theme]')
    expect(await page.getAttribute('[data-testid=theme]', 'aria-pressed')).toBe('false')
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(248, 250, 252)')
    await shot(page, 'requests-light')
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
    await ready(page)
    expect(await page.getAttribute('[data-testid=theme]', 'aria-pressed')).toBe('true')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('theme')
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(11, 17, 32)')
    await shot(page, 'requests-dark')
    await visit(page, 'jobs')
    await shot(page, 'jobs-dark')
    await visit(page, 'overview')
    await chartsDrawn(page, 4)
    // Each chart says in words what its canvas shows.
    expect(await page.textContent('[data-testid=chart] .visually-hidden')).toMatch(/buckets\. .*in all, at most/)
    await shot(page, 'overview-dark')
    // Back to light, then a phone: every page fits 390 px (tables scroll inside their own box).
    await page.click('[data-testid=theme]')
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light')
    await page.setViewportSize({ width: 390, height: 844 })
    for (const route of ['explore', 'keys', 'requests', 'jobs', 'overview?range=30d']) {
      await visit(page, route)
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
      await shot(page, `${route.split('?')[0]}-phone`)
    }
    await page.setViewportSize({ width: 1280, height: 900 })
    // The choice is kept in the browser profile the other tests share: back to following the system's theme.
    await page.evaluate(() => (globalThis as any).localStorage.removeItem('sociaro-theme'))
  }, 120_000)

  test('an admin creates a key (the secret shown once), edits its limits and revokes it', async () => {
    const page = await signIn(seeded.admin)
    await visit(page, 'keys')
    await page.click('[data-testid=create-key] summary')
    await page.fill('#key-name', 'browser-made')
    await page.fill('#key-models', 'openai/*')
    await page.fill('#key-rpm', '30')
    await page.click('[data-testid=create-key] button[type=submit]')
    await page.waitForSelector('[data-testid=new-secret]')
    const secret = (await page.textContent('[data-testid=new-secret] code'))!
    expect(secret).toStartWith('gw_live_')
    await shot(page, 'keys-admin-created')
    const listed = (await (await gw.admin('GET', '/keys?org=test-org')).json()) as { data: { id: string; name: string; rpm: number | null; models: string[]; status: string }[] }
    const made = listed.data.find((k) => k.name === 'browser-made')!
    expect(made).toMatchObject({ rpm: 30, models: ['openai/*'] })

    await visit(page, `keys/${made.id}`)
    await page.fill('#key-tpm', '5000')
    await page.fill('#key-models', 'openai/gpt-4o*, anthropic/*')
    await page.click('[data-testid=key-admin] button[type=submit]')
    await page.waitForSelector('.ok')
    const edited = (await (await gw.admin('GET', `/keys/${made.id}`)).json()) as { tpm: number; models: string[]; rpm: number }
    expect(edited).toMatchObject({ tpm: 5000, rpm: 30, models: ['openai/gpt-4o*', 'anthropic/*'] })
    await shot(page, 'key-admin')

    page.once('dialog', (dialog) => void dialog.accept())
    await page.click('[data-testid=revoke-key]')
    await page.waitForFunction(() => document.querySelector('[data-testid=key-facts]')?.textContent?.includes('revoked'))
    expect(((await (await gw.admin('GET', `/keys/${made.id}`)).json()) as { status: string }).status).toBe('revoked')
    expect(await page.$('[data-testid=key-admin]')).toBeNull()
  }, 120_000)

  test('a key holder signs in with the key and sees that key only', async () => {
    const page = await fresh()
    await page.goto(`${gw.url}/dashboard`)
    await page.fill('#gateway-key', gw.key)
    await page.press('#gateway-key', 'Enter')
    await ready(page)
    await chartsDrawn(page, 4)
    const range = await shownRange(page)
    const admin = await adminUsage(`/usage?org=test-org&key=${gw.keyId}&group_by=provider&from=${range.from}&to=${range.to}`)
    expect(admin.totals.requests).toBe(120)
    expect(await totalOf(page, 'requests')).toBe(admin.totals.requests)
    expect(await totalOf(page, 'cost')).toBeCloseTo(admin.totals.cost_micros / 1_000_000, 9)
    await shot(page, 'overview-key-holder')
    // On a phone, in the dark theme: nothing wider than the screen, and the keyboard reaches the skip link first.
    await page.setViewportSize({ width: 390, height: 844 })
    await page.emulateMedia({ colorScheme: 'dark' })
    await visit(page, 'overview')
    await chartsDrawn(page, 4)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(11, 17, 32)')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    await shot(page, 'overview-phone-dark')
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.emulateMedia({ colorScheme: 'light' })
    await visit(page, 'keys')
    expect(await page.$$('[data-testid=keys-table] tbody tr')).toHaveLength(1)
    await visit(page, `keys/${seeded.otherKeyId}`)
    expect(await page.textContent('main')).toContain('no key')
    await visit(page, 'requests')
    expect(await page.$('#f-key')).toBeNull()
    await shot(page, 'requests-key-holder')
  }, 120_000)

  test("another org's admin sees only their org; this org's keys are not found by URL", async () => {
    const page = await signIn(seeded.globexAdmin)
    expect(await page.textContent('[data-testid=org-name]')).toBe('globex')
    expect(await page.textContent('.range')).toContain('America/Los_Angeles')
    const range = await shownRange(page)
    const admin = await adminUsage(`/usage?org=globex&group_by=provider&from=${range.from}&to=${range.to}`)
    expect(await totalOf(page, 'requests')).toBe(admin.totals.requests)
    await visit(page, 'keys')
    expect(await page.$$eval('[data-testid=keys-table] tbody tr td:first-child', (cells) => cells.map((c) => c.textContent))).toEqual(['globex-key'])
    await visit(page, `keys/${gw.keyId}`)
    expect(await page.textContent('main')).toContain('no key')
    await visit(page, `requests?key=${gw.keyId}`)
    expect(await page.textContent('main')).toMatch(/no key/)
    await shot(page, 'other-org')
  }, 120_000)

  test('an invite link sets the password in the page, once; then the user signs in', async () => {
    const created = (await (await gw.admin('POST', '/users', { org: 'test-org', email: 'invited@test.example', role: 'viewer', invite_hours: 1 })).json()) as { invite: { path: string } }
    const page = await fresh()
    await page.goto(`${gw.url}${created.invite.path}`)
    await page.waitForSelector('[data-testid=invite-form]')
    // The token leaves the address bar once read.
    expect(page.url()).not.toContain('invite')
    await page.fill('#new-password', PASSWORD)
    await page.fill('#repeat-password', PASSWORD)
    await shot(page, 'invite')
    await page.click('[data-testid=invite-form] button')
    await page.waitForSelector('[data-testid=password-sign-in]', { timeout: 10_000 })
    await page.fill('#email', 'invited@test.example')
    await page.fill('#password', PASSWORD)
    await page.press('#password', 'Enter')
    await ready(page)
    expect(await page.textContent('[data-testid=who]')).toContain('invited@test.example (viewer)')
    // The same link a second time is refused.
    await page.goto(`${gw.url}${created.invite.path}`)
    await page.waitForSelector('[data-testid=invite-form]')
    await page.fill('#new-password', 'another long password')
    await page.fill('#repeat-password', 'another long password')
    await page.click('[data-testid=invite-form] button')
    await page.waitForFunction(() => document.querySelector('main [role=alert]')?.textContent?.includes('invalid, used or expired'))
  }, 120_000)

  test('a change without the CSRF token is refused, and an expired session returns to sign-in', async () => {
    const page = await signIn(seeded.admin)
    const status = await page.evaluate(async () => (await fetch('/dashboard/api/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"no-token"}' })).status)
    expect(status).toBe(403)
    // Twelve hours and a minute later on the gateway's clock.
    shift = 12 * HOUR + 60_000
    try {
      await page.goto(`${gw.url}/dashboard#/keys`)
      await page.waitForSelector('[data-testid=password-sign-in]', { timeout: 15_000 })
      await shot(page, 'sign-in')
    } finally {
      shift = 0
    }
  }, 120_000)
})
