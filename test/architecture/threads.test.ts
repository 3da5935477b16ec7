// Each metering module's folder says which thread runs it: the proxy thread never loads worker code, nor the worker proxy code.
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { importGraph, type ImportEdge } from './import-graph.ts'

const SRC = join(import.meta.dir, '../../src')

/**
 * Every module `entry` (relative to src/) loads at run time; type-only imports load nothing. With `lazy`, also what
 * its code may load later through `import()`.
 */
function loadedBy(entry: string, edges: readonly ImportEdge[], lazy = false): Set<string> {
  const next = new Map<string, string[]>()
  for (const edge of edges) if (edge.kind === 'runtime' && (lazy || !edge.lazy)) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to])
  const seen = new Set<string>([entry])
  const queue = [entry]
  while (queue.length > 0) {
    for (const to of next.get(queue.pop()!) ?? []) {
      if (seen.has(to)) continue
      seen.add(to)
      queue.push(to)
    }
  }
  return seen
}

const edges = importGraph(SRC)

test('the proxy thread (the server and everything it loads) loads no module of metering/worker/', () => {
  const proxyThread = loadedBy('gateway.ts', edges)
  expect(proxyThread.has('metering/proxy/meter-stage.ts')).toBe(true)
  expect([...proxyThread].filter((file) => file.startsWith('metering/worker/'))).toEqual([])
})

test('the metering worker loads no module of metering/proxy/, and both sides share only metering/protocol/', () => {
  const worker = loadedBy('meter-worker.ts', edges)
  expect(worker.has('metering/worker/usage-writer.ts')).toBe(true)
  expect([...worker].filter((file) => file.startsWith('metering/proxy/'))).toEqual([])
  const proxyThread = loadedBy('gateway.ts', edges)
  const sharedMetering = [...worker].filter((file) => file.startsWith('metering/') && proxyThread.has(file))
  expect(sharedMetering.filter((file) => !file.startsWith('metering/protocol/'))).toEqual([])
})

/**
 * The one way the proxy thread may run worker code: with metering off there is no worker, so the gateway writes the
 * object ledger (and settles jobs) itself, loading that code only in that case.
 */
const LAZY_INTO_WORKER_CODE = ['gateway-core.ts -> objects/ledger-writes.ts']

test('the proxy thread reaches worker code only through the documented lazy loads', () => {
  const atStart = loadedBy('gateway.ts', edges)
  const lazyEdges = edges.filter((edge) => edge.lazy && atStart.has(edge.from))
  const intoWorkerCode = lazyEdges.filter((edge) => [...loadedBy(edge.to, edges, true)].some((file) => file.startsWith('metering/worker/')))
  expect(intoWorkerCode.map((edge) => `${edge.from} -> ${edge.to}`).sort()).toEqual(LAZY_INTO_WORKER_CODE)
})

test('every metering module sits in the folder of its thread, or in the protocol between them', () => {
  const metering = new Set(edges.flatMap((edge) => [edge.from, edge.to]).filter((file) => file.startsWith('metering/')))
  expect(metering.size).toBeGreaterThan(15)
  expect([...metering].filter((file) => !/^metering\/(proxy|worker|protocol)\/[^/]+\.ts$/.test(file))).toEqual([])
})
