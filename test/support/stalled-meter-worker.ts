// A metering-worker starter for tests: the real worker, whose thread blocks for a while on its first batch.
import { join } from 'node:path'
import type { MeterWorkerStarter } from '../../src/metering/proxy/meter-channel.ts'

const STALL_PRELOAD = join(import.meta.dir, 'meter-stall-preload.ts')

/** Starts the real worker entry with a preload that blocks its thread `stallMs` when the first batch arrives. */
export function stalledMeterWorker(stallMs: number): MeterWorkerStarter {
  return (entry) => new Worker(entry, { preload: [STALL_PRELOAD], argv: [String(stallMs)] })
}
