// Stage admission: the declared order, all-or-none with rollbacks, and no promise while every stage answers synchronously.
import { describe, expect, test } from 'bun:test'
import { GatewayError } from '../../src/errors/gateway-error.ts'
import { admitAll, orderedStages, STAGE_ORDER, type AdmittedRequest, type ProxyStage, type StageResult } from '../../src/proxy/stages.ts'

const request = {} as AdmittedRequest

function stage(log: string[], name: string, behaviour: 'ok' | 'async' | 'throw' | 'respond' = 'ok'): ProxyStage {
  return {
    admit() {
      log.push(`admit ${name}`)
      const result = { rollback: () => log.push(`rollback ${name}`) }
      if (behaviour === 'throw') throw new GatewayError('rate_limited', name)
      if (behaviour === 'respond') return { respond: new Response(name) }
      return behaviour === 'async' ? Promise.resolve(result) : result
    },
  }
}

describe('stages', () => {
  test('a stage set runs in STAGE_ORDER whatever order it was written in; slots left undefined are off', () => {
    const log: string[] = []
    const stages = orderedStages({ metrics: stage(log, 'metrics'), limits: stage(log, 'limits'), meter: undefined, tracking: stage(log, 'tracking') })
    const results = admitAll(stages, request)
    expect(Array.isArray(results)).toBe(true)
    expect(log).toEqual(['admit tracking', 'admit limits', 'admit metrics'])
    expect(STAGE_ORDER.indexOf('tracking')).toBeLessThan(STAGE_ORDER.indexOf('limits'))
    expect(new Set(STAGE_ORDER).size).toBe(STAGE_ORDER.length)
  })

  test('synchronous stages give a plain array (no promise, no await); one async stage makes the rest wait in order', async () => {
    const log: string[] = []
    const sync = admitAll([stage(log, 'a'), stage(log, 'b')], request)
    expect(sync).not.toBeInstanceOf(Promise)
    const mixed = admitAll([stage(log, 'c'), stage(log, 'd', 'async'), stage(log, 'e')], request)
    expect(mixed).toBeInstanceOf(Promise)
    expect((await mixed).length).toBe(3)
    expect(log).toEqual(['admit a', 'admit b', 'admit c', 'admit d', 'admit e'])
  })

  test('a refusal rolls back the stages before it, sync or after an await', async () => {
    const log: string[] = []
    expect(() => admitAll([stage(log, 'a'), stage(log, 'b', 'throw'), stage(log, 'c')], request)).toThrow(GatewayError)
    expect(log).toEqual(['admit a', 'admit b', 'rollback a'])
    log.length = 0
    await expect(admitAll([stage(log, 'a'), stage(log, 'b', 'async'), stage(log, 'c', 'throw')], request)).rejects.toThrow(GatewayError)
    expect(log).toEqual(['admit a', 'admit b', 'admit c', 'rollback a', 'rollback b'])
  })

  test('a stage that answers itself ends admission: earlier stages are rolled back, later ones never run', () => {
    const log: string[] = []
    const results = admitAll([stage(log, 'a'), stage(log, 'b', 'respond'), stage(log, 'c')], request) as StageResult[]
    expect(results[0]!.respond).toBeInstanceOf(Response)
    expect(results.length).toBe(1)
    expect(log).toEqual(['admit a', 'admit b', 'rollback a'])
  })
})
