// Builds the job poller from what the gateway core holds: its database, providers, credential cache and object ledger.
import type { Client } from '@libsql/client'
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { CredentialCache } from '../auth/credential-cache.ts'
import type { JobsConfig, ResolvedProvider } from '../config.ts'
import type { Logger } from '../log.ts'
import type { JobRecorder } from './job-answers.ts'
import { credentialRef } from './credential-ref.ts'
import { JobPoller } from './job-poller.ts'
import type { JobPollWrite } from '../types/job-poll-write.ts'

export interface JobPollerWiring {
  readonly client: Client
  /** Where the poller's writes are made (the metering worker when it runs). */
  readonly write: (write: JobPollWrite) => Promise<number>
  readonly providers: readonly ResolvedProvider[]
  readonly credentials: Pick<CredentialCache, 'get' | 'source'>
  readonly recorder: JobRecorder
  readonly log: Logger
  readonly now: () => number
  readonly jobs: JobsConfig
}

export function jobPollerFor(wiring: JobPollerWiring): JobPoller {
  const byId = new Map(wiring.providers.map((provider) => [provider.spec.id, provider]))
  return new JobPoller({
    client: wiring.client,
    write: wiring.write,
    provider: (id) => byId.get(id),
    credential: (provider) => {
      const secret = wiring.credentials.get(provider)
      return { secret, ref: credentialRef(wiring.credentials.source(provider), secret) }
    },
    recorder: wiring.recorder,
    log: wiring.log,
    now: wiring.now,
    holder: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    intervalMs: wiring.jobs.pollIntervalMs,
    maxIntervalMs: wiring.jobs.pollMaxIntervalMs,
  })
}
