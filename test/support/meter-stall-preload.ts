// Preloaded into the metering worker by stalledMeterWorker: blocks the thread outright on its first batch, as a stuck worker would.
import type { ToWorker } from '../../src/metering/protocol/meter-job.ts'

declare const self: Worker

// stalledMeterWorker appends the stall in milliseconds to the worker's argv.
const stallMs = Number(process.argv.at(-1))
if (!Number.isFinite(stallMs) || stallMs <= 0) throw new Error(`meter-stall-preload: no stall duration in argv (${process.argv.at(-1)})`)

let stalled = false
// Registered before the worker's own listener (a preload runs before the entry module), so the batch waits behind the stall.
self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  if (stalled || event.data.type !== 'jobs') return
  stalled = true
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stallMs)
})
