// The dashboard's page and bundle, served under /dashboard/ only: from the files `bun build --compile` embedded, or bundled once by Bun.build when running from source.
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where the bundle's files are served: nothing of the dashboard sits at the root, which belongs to provider routes. */
export const ASSET_PREFIX = '/dashboard/assets/'

export interface DashboardAsset {
  readonly body: Uint8Array
  readonly contentType: string
  readonly etag: string
}

export interface DashboardBundle {
  /** The page, its script and stylesheet referenced under ASSET_PREFIX. */
  readonly html: string
  /** By file name (hashed, so each may be cached for good). */
  readonly assets: ReadonlyMap<string, DashboardAsset>
}

/** Points the page's references to its own files (`/chunk-….js` in the binary, `./chunk-….js` from Bun.build) under ASSET_PREFIX. */
export function rewritePage(html: string, names: Iterable<string>): string {
  let out = html
  for (const name of names) {
    for (const quote of ['"', "'"]) for (const lead of ['/', './']) out = out.replaceAll(`${quote}${lead}${name}${quote}`, `${quote}${ASSET_PREFIX}${name}${quote}`)
  }
  return out
}

async function fromFiles(files: NonNullable<Bun.HTMLBundle['files']>): Promise<DashboardBundle> {
  const assets = new Map<string, DashboardAsset>()
  let html: string | undefined
  for (const file of files) {
    if (file.loader === 'html') html = await Bun.file(file.path).text()
    else assets.set(basename(file.path), { body: await Bun.file(file.path).bytes(), contentType: file.headers['content-type'], etag: file.headers.etag })
  }
  if (html === undefined) throw new Error('the embedded dashboard bundle has no page')
  return { html: rewritePage(html, assets.keys()), assets }
}

async function fromSource(page: URL): Promise<DashboardBundle> {
  const result = await Bun.build({ entrypoints: [fileURLToPath(page)], target: 'browser', minify: true, sourcemap: 'none' })
  if (!result.success) throw new Error(`the dashboard did not bundle: ${result.logs.map(String).join('; ')}`)
  const assets = new Map<string, DashboardAsset>()
  let html: string | undefined
  for (const output of result.outputs) {
    const name = basename(output.path)
    if (output.type.startsWith('text/html')) html = await output.text()
    else assets.set(name, { body: new Uint8Array(await output.arrayBuffer()), contentType: output.type, etag: `"${output.hash ?? name}"` })
  }
  if (html === undefined) throw new Error('the dashboard bundle has no page')
  return { html: rewritePage(html, assets.keys()), assets }
}

/**
 * The bundle, made once on first use (a gateway whose dashboard is never opened never bundles it). `bundle` is the
 * HTML import: in the compiled binary it lists the embedded files; from source it is empty, and `page` is bundled.
 */
export function dashboardBundle(bundle: Bun.HTMLBundle, page: URL): () => Promise<DashboardBundle> {
  let made: Promise<DashboardBundle> | undefined
  return () => {
    made ??= (bundle.files && bundle.files.length > 0 ? fromFiles(bundle.files) : fromSource(page)).catch((error: unknown) => {
      made = undefined
      throw error
    })
    return made
  }
}
