// What every page is given: who is signed in, the view's parameters from the URL, and a way to change them (kept in the URL).
import type { Identity } from './api.ts'

export interface PageContext {
  readonly identity: Identity
  /** The part after "?" in the hash route: filters and ranges, so a view can be bookmarked or shared. */
  readonly params: URLSearchParams
  /** The route's path segments after the page name (e.g. a key id). */
  readonly rest: readonly string[]
  /** Replaces the view's parameters (a new URL, hence a new render). */
  setParams(params: Record<string, string | undefined>): void
  go(path: string): void
}

export type Page = (root: HTMLElement, ctx: PageContext) => Promise<void>
