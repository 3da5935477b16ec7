// Commands to the metering worker are answered: a price change is in force when the admin API answers, and reprice runs on the worker.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { MeterWorkerStarter } from '../../src/metering/proxy/meter-channel.ts'
import type { FromWorker, ToWorker } from '../../src/metering/protocol/meter-job.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

// 10 input and 100 output tokens of a model only an override prices: $1/M both ways is 110 micro-USD.
const USAGE_JSON = JSON.stringify({
  id: 'c', object: 'chat.completion', model: 'acked-model', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 100, total_tokens: 110 },
})
const PRICED_MICROS = 110

/** The real worker, with the messages each way recorded and, per message type, delivery to it delayed or dropped. */
function observedWorker(delayMs: Partial<Record<ToWorker['type'], number>> = {}, drop: ToWorker['type'][] = []) {
  const seen = { toWorker: [] as ToWorker[], fromWorker: [] as FromWorker[], worker: undefined as Worker | undefined }
  const start: MeterWorkerStarter = (entry) => {
    const worker = new Worker(entry)
    seen.worker = worker
    const post = worker.postMessage.bind(worker) as (message: ToWorker, transfer?: ArrayBuffer[]) => void
    worker.postMessage = ((message: ToWorker, transfer?: ArrayBuffer[]) => {
      seen.toWorker.push(message)
      if (drop.includes(message.type)) return
      const delay = delayMs[message.type]
      if (delay) setTimeout(() => post(message, transfer), delay)
      else post(message, transfer)
    }) as Worker['postMessage']
    worker.addEventListener('message', (event: MessageEvent<FromWorker>) => seen.fromWorker.push(event.data))
    return worker
  }
  return { seen, start }
}

let upstream: FakeUpstream
beforeAll(() => {
  upstream = startFakeUpstream(() => new Response(USAGE_JSON, { headers: { 'content-type': 'application/json' } }))
})
afterAll(() => upstream.stop())

async function chat(gw: TestGateway): Promise<string> {
  const response = await fetch(`${gw.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'acked-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 }),
  })
  expect(response.status).toBe(200)
  await response.arrayBuffer()
  return response.headers.get('x-sociaro-request-id')!
}

async function withGateway(start: MeterWorkerStarter, run: (gw: TestGateway) => Promise<void>): Promise<void> {
  const gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METER_FLUSH_MS: '10' }, gatewayOptions: { startMeterWorker: start } })
  try {
    await run(gw)
  } finally {
    await gw.stop()
  }
}

describe('price overrides', () => {
  test('the admin API answers a price change only once the worker prices with it: the next request is priced by it', async () => {
    // Price updates reach the worker 400 ms late, as behind a busy worker: the answer must wait for them, not race them.
    const { seen, start } = observedWorker({ prices: 400 })
    await withGateway(start, async (gw) => {
      expect((await waitForUsageRow(gw.dbUrl, await chat(gw))).cost_status).toBe('unpriced')

      const created = await gw.admin('POST', '/prices', { provider: 'openai', model: 'acked-*', input_usd_per_mtok: 1, output_usd_per_mtok: 1 })
      expect(created.status).toBe(201)
      const { id } = (await created.json()) as { id: string }
      const sent = seen.toWorker.filter((message) => message.type === 'prices')
      expect(sent).toHaveLength(1)
      // The worker answered this very command before the API answered.
      expect(seen.fromWorker).toContainEqual({ type: 'done', id: (sent[0] as { id: number }).id })
      expect(await waitForUsageRow(gw.dbUrl, await chat(gw))).toMatchObject({ cost_status: 'priced', cost_micros: PRICED_MICROS, price_source: 'override' })

      expect((await gw.admin('DELETE', `/prices/${id}`)).status).toBe(200)
      expect((await waitForUsageRow(gw.dbUrl, await chat(gw))).cost_status).toBe('unpriced')
    })
  }, 20_000)
})

describe('reprice', () => {
  test('the admin route answers with the counts the worker computed, and the stored rows and rollups move', async () => {
    const { seen, start } = observedWorker()
    await withGateway(start, async (gw) => {
      const ids = [await chat(gw), await chat(gw)]
      for (const id of ids) expect((await waitForUsageRow(gw.dbUrl, id)).cost_status).toBe('unpriced')
      expect((await gw.admin('POST', '/prices', { provider: 'openai', model: 'acked-model', input_usd_per_mtok: 1, output_usd_per_mtok: 1 })).status).toBe(201)

      const range = { from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() }
      const response = await gw.admin('POST', '/reprice', range)
      expect(response.status).toBe(200)
      const counts = await response.json()
      expect(counts).toEqual({ examined: 2, changed: 2, stillUnpriced: 0 })
      const command = seen.toWorker.find((message) => message.type === 'reprice') as { id: number; range: { from: number; to: number } } | undefined
      expect(command?.range).toEqual({ from: Date.parse(range.from), to: Date.parse(range.to) })
      expect(seen.fromWorker).toContainEqual({ type: 'done', id: command!.id, result: counts })
      for (const id of ids) expect(await waitForUsageRow(gw.dbUrl, id)).toMatchObject({ cost_status: 'priced', cost_micros: PRICED_MICROS })
      const usage = (await (await gw.admin('GET', '/usage?group_by=model')).json()) as { totals: { cost_micros: number; unpriced_requests: number; requests: number } }
      expect(usage.totals).toMatchObject({ cost_micros: 2 * PRICED_MICROS, unpriced_requests: 0, requests: 2 })

      // Again with the same prices: nothing changes, and the rollups do not move twice.
      expect(await (await gw.admin('POST', '/reprice', range)).json()).toEqual({ examined: 2, changed: 0, stillUnpriced: 0 })
      const again = (await (await gw.admin('GET', '/usage?group_by=model')).json()) as { totals: { cost_micros: number } }
      expect(again.totals.cost_micros).toBe(2 * PRICED_MICROS)
    })
  }, 20_000)
})

describe('the command channel', () => {
  test('a command the worker never answers rejects after its timeout; one pending when the worker stops rejects at once', async () => {
    const { seen, start } = observedWorker({}, ['prices'])
    await withGateway(start, async (gw) => {
      const meter = gw.gateway.meter!
      await expect(meter.command('prices', { overrides: [] }, 200)).rejects.toThrow('did not answer "prices" within 0.2 s')
      // A minute's timeout, far beyond this test's: only the worker's exit can end it in time.
      const pending = meter.command('prices', { overrides: [] }, 60_000)
      seen.worker!.terminate()
      await expect(pending).rejects.toThrow('the metering worker stopped')
      await expect(meter.command('reprice', { range: { from: 0, to: 1 }, overrides: [] })).rejects.toThrow('the metering worker stopped')
    })
  }, 20_000)
})
