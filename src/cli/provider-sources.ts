// Where each provider's credential comes from, as the server sees it: asked of the running server when the CLI can
// (admin token known), else from what the server recorded at start-up; this shell's own environment only as a last resort.
import type { ResolvedProvider } from '../config.ts'
import { listServerReports, type ServerReport } from '../store/server-reports.ts'

export type CredentialState = 'built-in' | 'environment' | 'stored' | 'missing'

export type ProviderSourceRow = {
  id: string
  name: string
  base_url: string
  /** environment = the server's environment (SOCIARO_<ID>_API_KEY), which wins over a stored one. */
  credential: CredentialState
}

export interface ProviderSources {
  rows: ProviderSourceRow[]
  /** Who answered: the running server's admin API, its start-up report, or (no report at all) this shell. */
  checked: 'server' | 'server report' | 'this shell'
  server?: { url: string; version: string; started_at: string; stopped_at: string | null; running: boolean }
  /** One line for people: where the figures come from. */
  note: string
}

export interface SourceDeps {
  readonly providers: readonly ResolvedProvider[]
  readonly stored: ReadonlySet<string>
  readonly reports: () => Promise<ServerReport[]>
  readonly adminToken?: string
  /** Injectable for tests; bounded by `timeoutMs`. */
  readonly fetch?: typeof fetch
  readonly timeoutMs?: number
}

const PROBE_TIMEOUT_MS = 1_500
/** Only the newest few reports are probed: a CLI call must not wait on a long list of dead addresses. */
const MAX_PROBES = 3

async function answers(url: string, deps: SourceDeps): Promise<boolean> {
  try {
    const response = await (deps.fetch ?? fetch)(`${url}/readyz`, { signal: AbortSignal.timeout(deps.timeoutMs ?? PROBE_TIMEOUT_MS) })
    await response.arrayBuffer()
    return true
  } catch {
    return false
  }
}

async function askServer(url: string, token: string, deps: SourceDeps): Promise<Map<string, { base_url: string; credential: CredentialState }> | undefined> {
  try {
    const response = await (deps.fetch ?? fetch)(`${url}/admin/v1/providers`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(deps.timeoutMs ?? PROBE_TIMEOUT_MS),
    })
    if (!response.ok) {
      await response.arrayBuffer()
      return undefined
    }
    const body = (await response.json()) as { data?: { id: string; base_url: string; credential: CredentialState }[] }
    if (!Array.isArray(body.data)) return undefined
    return new Map(body.data.map((p) => [p.id, { base_url: p.base_url, credential: p.credential }]))
  } catch {
    return undefined
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export async function providerSources(deps: SourceDeps): Promise<ProviderSources> {
  const reports = await deps.reports()
  const local = (p: ResolvedProvider, envCredential: boolean): CredentialState =>
    p.inProcess ? 'built-in' : envCredential ? 'environment' : deps.stored.has(p.spec.id) ? 'stored' : 'missing'
  // The mock's loopback port is chosen when a gateway starts it (the admin API shows the running one).
  const baseUrl = (p: ResolvedProvider) => (p.inProcess ? 'in-process (loopback)' : p.baseUrl)
  if (reports.length === 0) {
    return {
      rows: deps.providers.map((p) => ({ id: p.spec.id, name: p.spec.displayName, base_url: baseUrl(p), credential: local(p, p.envCredential !== undefined) })),
      checked: 'this shell',
      note: "no server has started on this database yet: 'environment' means this shell's environment, not the server's",
    }
  }
  let running: ServerReport | undefined
  for (const report of reports.filter((r) => r.stoppedAt === null).slice(0, MAX_PROBES)) {
    if (await answers(report.url, deps)) {
      running = report
      break
    }
  }
  const report = running ?? reports[0]!
  const server = { url: report.url, version: report.version, started_at: iso(report.startedAt)!, stopped_at: iso(report.stoppedAt), running: running !== undefined }
  const live = running && deps.adminToken ? await askServer(running.url, deps.adminToken, deps) : undefined
  if (live) {
    return {
      rows: deps.providers.map((p) => {
        const answer = live.get(p.spec.id)
        return { id: p.spec.id, name: p.spec.displayName, base_url: answer?.base_url ?? baseUrl(p), credential: answer?.credential ?? local(p, false) }
      }),
      checked: 'server',
      server,
      note: `as the server running at ${report.url} answered just now`,
    }
  }
  const reported = new Map(report.providers.map((p) => [p.id, p]))
  const state = running
    ? `running at ${report.url} (no SOCIARO_ADMIN_TOKEN here to ask it directly)`
    : report.stoppedAt !== null
      ? `at ${report.url}, which stopped at ${server.stopped_at}`
      : `at ${report.url}, which does not answer now (it may have crashed)`
  return {
    rows: deps.providers.map((p) => {
      const seen = reported.get(p.spec.id)
      return { id: p.spec.id, name: p.spec.displayName, base_url: seen?.base_url ?? baseUrl(p), credential: local(p, seen?.env_credential === true) }
    }),
    checked: 'server report',
    server,
    note: `'environment' is the server's environment as it reported at start-up (${server.started_at}), server ${state}`,
  }
}
