// Production modules carry no test-only knobs: tests inject behaviour (e.g. GatewayOptions.startMeterWorker) instead.
import { expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const SRC = join(import.meta.dir, '../../src')

test('no file of src/ declares a test hook', () => {
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'))
  expect(files.length).toBeGreaterThan(100)
  const hooks = files.flatMap((name) =>
    readFileSync(join(SRC, name), 'utf8')
      .split('\n')
      .flatMap((line, index) => (/test[ -]hook|\bstallFirstBatchMs\b|\bmeterStallMs\b/i.test(line) ? [`${name}:${index + 1}: ${line.trim()}`] : [])),
  )
  expect(hooks).toEqual([])
})
