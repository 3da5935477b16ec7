// Runs the usage-write micro-benchmark (usage-write.ts) as a child for `make bench` and formats its section of the report.
import { join } from 'node:path'
import { BUN, track } from './processes.ts'

/** BENCH_USAGE_WRITE_SIZES: table sizes to seed (default 0,1000000,10000000); BENCH_USAGE_WRITE_SEED=0 measures the empty table only. */
export function usageWriteSizes(env: Record<string, string | undefined> = process.env): number[] {
  if (env.BENCH_USAGE_WRITE_SEED === '0') return [0]
  const sizes = (env.BENCH_USAGE_WRITE_SIZES || '0,1000000,10000000').split(',').map((part) => Number(part.trim()))
  if (sizes.some((size) => !Number.isInteger(size) || size < 0 || size > 50_000_000)) throw new Error(`BENCH_USAGE_WRITE_SIZES: whole row counts up to 50000000, got "${env.BENCH_USAGE_WRITE_SIZES}"`)
  return sizes
}

interface Measured {
  seededRows: number
  seedSeconds: number
  fileMb: number
  rows: number
  wallUsPerRow: number
  cpuUsPerRow: number
}

/** The report's lines: µs per row at each size and the ratio of the largest to the empty table (target ≤ 15 µs and ≤ 1.3×). */
export async function usageWriteSection(cwd: string): Promise<string[]> {
  const sizes = usageWriteSizes()
  console.log(`\nusage-write micro-benchmark: tables seeded to ${sizes.map((size) => size.toLocaleString('en')).join(' / ')} rows${sizes.some((size) => size >= 10_000_000) ? ' (10 M takes minutes and ~4 GB of temp disk; BENCH_USAGE_WRITE_SEED=0 skips seeding)' : ''}…`)
  const child = track(Bun.spawn([BUN, join(import.meta.dir, 'usage-write.ts'), '--json', '--sizes', sizes.join(',')], { cwd, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' }))
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  if (code !== 0) return [`usage-write benchmark failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' ')}`]
  const { results, batch } = JSON.parse(out.trim().split('\n').at(-1)!) as { results: Measured[]; batch: number }
  const lines = [
    `Writing usage rows with their rollups through the meter worker's UsageWriter (batches of ${batch}), CPU and wall µs per row:`,
    '',
    '| rows already in the table | CPU µs/row | wall µs/row | seeding | file |',
    '|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.seededRows.toLocaleString('en')} | ${r.cpuUsPerRow.toFixed(1)} | ${r.wallUsPerRow.toFixed(1)} | ${r.seedSeconds.toFixed(0)} s | ${r.fileMb.toFixed(0)} MB |`),
    '',
  ]
  const empty = results.find((r) => r.seededRows === 0)
  const largest = results.reduce((a, b) => (b.seededRows > a.seededRows ? b : a))
  const verdicts: string[] = []
  if (empty) verdicts.push(`${empty.cpuUsPerRow <= 15 ? 'PASS' : 'FAIL'} usage write on an empty table: ${empty.cpuUsPerRow.toFixed(1)} CPU µs/row (target ≤ 15)`)
  if (empty && largest !== empty) {
    const ratio = largest.cpuUsPerRow / empty.cpuUsPerRow
    verdicts.push(`${ratio <= 1.3 ? 'PASS' : 'FAIL'} usage write at ${largest.seededRows.toLocaleString('en')} rows: ${largest.cpuUsPerRow.toFixed(1)} CPU µs/row, ${ratio.toFixed(2)}× the empty table (target ≤ 1.3×)`)
  }
  for (const line of verdicts) console.log(`  ${line}`)
  return [...lines, '```', ...verdicts, '```']
}
