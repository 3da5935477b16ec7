// Starts Debian's chromium through playwright-core for the dashboard tests (headless, a fresh profile), or says why it cannot.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext } from 'playwright-core'

export const CHROMIUM = process.env.SOCIARO_TEST_CHROMIUM ?? '/usr/bin/chromium'
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

export const chromiumAvailable = existsSync(CHROMIUM)

export interface Browser {
  context: BrowserContext
  close(): Promise<void>
}

export async function startBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  const profile = mkdtempSync(join(tmpdir(), 'sociaro-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true, viewport: { width: 1280, height: 900 } })
  return {
    context,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
