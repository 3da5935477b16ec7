// The budget periods and the default period have one source (src/limits/period.ts) that the admin API, the CLI and the ledger follow.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Glob } from 'bun'
import { join } from 'node:path'
import { HELP } from '../../src/cli/help.ts'
import { BudgetLedger } from '../../src/limits/budget-ledger.ts'
import { BUDGET_PERIODS, DEFAULT_BUDGET_PERIOD, isBudgetPeriod } from '../../src/limits/period.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'

const SRC = join(import.meta.dir, '../../src')
let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(() => gw.stop())

describe('budget periods', () => {
  test('the admin API accepts exactly the listed periods and names them when it refuses one', async () => {
    for (const period of BUDGET_PERIODS) {
      const response = await gw.admin('POST', '/keys', { org: 'test-org', budget_usd: 1, budget_period: period })
      expect({ period, status: response.status }).toEqual({ period, status: 201 })
      expect(((await response.json()) as { budget_period: string }).budget_period).toBe(period)
    }
    const refused = await gw.admin('POST', '/keys', { org: 'test-org', budget_usd: 1, budget_period: 'year' })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(`budget period must be one of ${BUDGET_PERIODS.join(', ')}`)
  })

  test('a budget set without a period gets the default one', async () => {
    const response = await gw.admin('POST', '/keys', { org: 'test-org', budget_usd: 1 })
    expect(((await response.json()) as { budget_period: string }).budget_period).toBe(DEFAULT_BUDGET_PERIOD)
  })

  test('the ledger takes every listed period and refuses others', () => {
    const ledger = new BudgetLedger()
    for (const period of BUDGET_PERIODS) ledger.configure({ kind: 'key', id: period }, { limitMicros: 1_000, period })
    expect(() => ledger.configure({ kind: 'key', id: 'year' }, { limitMicros: 1_000, period: 'year' as never })).toThrow(RangeError)
    expect(BUDGET_PERIODS.every(isBudgetPeriod)).toBe(true)
    expect(isBudgetPeriod('year')).toBe(false)
  })

  test('the CLI help lists the same periods', () => {
    const text = Object.values(HELP).join('\n')
    expect(text).toContain(`--budget-period ${BUDGET_PERIODS.join('|')}`)
  })

  test('no other module spells out the list or the default', async () => {
    const offenders: string[] = []
    for await (const file of new Glob('**/*.ts').scan(SRC)) {
      if (file === join('limits', 'period.ts')) continue
      const text = await Bun.file(join(SRC, file)).text()
      if (/'day'[\s\S]{0,80}'week'[\s\S]{0,80}'month'/.test(text) || /day\|week\|month/.test(text) || /[=:]\s*'month'/.test(text)) offenders.push(file)
    }
    expect(offenders).toEqual([])
  })
})
