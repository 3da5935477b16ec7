// Query worker entry (its own build entrypoint): runs the admin API's heavy reads on their own thread and connection.
import type { Client } from '@libsql/client'
import { requestDetail } from './analytics/cost-breakdown.ts'
import { dashboardJobs } from './analytics/job-reads.ts'
import { answerProblem } from './admin/answer-checks.ts'
import { reprice } from './analytics/reprice.ts'
import type { FromQueryWorker, QueryKind, QueryKinds, ToQueryWorker } from './analytics/query-protocol.ts'
import { directUsageReads, type UsageReads } from './analytics/usage-reads.ts'
import { openDatabase } from './db/client.ts'
import { ServiceError } from './errors/service-error.ts'
import { loadProviders } from './providers/provider-origin.ts'
import { builtInProvider, providerDirectory, type ProviderDirectory } from './providers/registry.ts'

declare const self: Worker

const send = (message: FromQueryWorker) => self.postMessage(message)

let reads: UsageReads | undefined
let client: Client | undefined
let providers: ProviderDirectory = builtInProvider
/** One at a time: a local libSQL query holds this thread until it ends, and queueing here keeps answers in order. */
let queue: Promise<void> = Promise.resolve()

function run<K extends QueryKind>(kind: K, argument: QueryKinds[K]['argument']): Promise<QueryKinds[K]['result']> {
  switch (kind) {
    case 'usage':
      return reads!.usage(argument as QueryKinds['usage']['argument']) as Promise<QueryKinds[K]['result']>
    case 'requests':
      return reads!.requests(argument as QueryKinds['requests']['argument']) as Promise<QueryKinds[K]['result']>
    case 'jobs':
      return dashboardJobs(client!, argument as QueryKinds['jobs']['argument']) as Promise<QueryKinds[K]['result']>
    case 'request':
      return requestDetail(client!, argument as QueryKinds['request']['argument'], providers) as Promise<QueryKinds[K]['result']>
    case 'reprice': {
      const { range, overrides } = argument as QueryKinds['reprice']['argument']
      return reprice(client!, range, overrides, providers) as Promise<QueryKinds[K]['result']>
    }
  }
  throw new Error(`unknown query "${String(kind)}"`)
}

self.addEventListener('message', (event: MessageEvent<ToQueryWorker>) => {
  const message = event.data
  if (message.type === 'init') {
    Promise.all([openDatabase(message.init.databaseUrl, message.init.databaseAuthToken), loadProviders(message.init.providers ?? [])]).then(
      ([database, loaded]) => {
        providers = providerDirectory(loaded)
        client = database.client
        reads = directUsageReads(database.db, database.client, providers)
        send({ type: 'ready' })
      },
      (error) => send({ type: 'init-failed', error: String(error) }),
    )
    return
  }
  const { id, kind, argument } = message
  queue = queue.then(() =>
    run(kind, argument).then(
      (result) => {
        // Checked and serialized here: walking a 500-row page or a 90-day hourly report is work the proxy thread must not do.
        const problem = answerProblem(kind, result)
        if (problem) send({ type: 'failed', id, message: `the ${kind} answer broke its schema: ${problem}` })
        else send({ type: 'done', id, json: JSON.stringify(result) })
      },
      (error) => send(error instanceof ServiceError ? { type: 'failed', id, code: error.code, message: error.message } : { type: 'failed', id, message: String(error) }),
    ),
  )
})
