// One error type outside the proxy: config, store, CLI usage and listen errors are all ServiceErrors, rendered in one shape.
import { describe, expect, test } from 'bun:test'
import { Value } from '@sinclair/typebox/value'
import { ErrorSchema } from '../../src/admin/admin-schemas.ts'
import { UsageError } from '../../src/cli/args.ts'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { SERVICE_ERROR_CODES, SERVICE_ERROR_STATUS, ServiceError, serviceErrorBody, serviceErrorResponse } from '../../src/errors/service-error.ts'
import { AddressInUseError } from '../../src/exclusive-listen.ts'
import { StoreError } from '../../src/store/orgs.ts'

describe('ServiceError', () => {
  test('each subsystem error is a ServiceError with its code and status', () => {
    const cases: [ServiceError, string, number][] = [
      [new StoreError('not_found', 'no such org "x"'), 'not_found', 404],
      [new StoreError('conflict', 'taken'), 'conflict', 409],
      [new StoreError('invalid', 'bad'), 'invalid', 400],
      [new ConfigError('SOCIARO_PORT must be an integer'), 'invalid_config', 500],
      [new UsageError('orgs create needs a NAME'), 'invalid_usage', 400],
      [new AddressInUseError('address in use'), 'address_in_use', 500],
    ]
    for (const [error, code, status] of cases) {
      expect(error).toBeInstanceOf(ServiceError)
      expect({ code: error.code, status: error.status }).toEqual({ code: code as ServiceError['code'], status })
    }
    // The config loader's own refusals are ServiceErrors too, so the CLI prints them the same way.
    let thrown: unknown
    try {
      loadConfig({ SOCIARO_LOG_LEVEL: 'loud' })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ServiceError)
    expect((thrown as ServiceError).code).toBe('invalid_config')
  })

  test('one JSON shape, which the admin error schema accepts for every code', async () => {
    for (const code of SERVICE_ERROR_CODES) {
      const error = new ServiceError(code, `message for ${code}`)
      expect(serviceErrorBody(error)).toEqual({ error: { type: code, message: `message for ${code}` } })
      expect(Value.Check(ErrorSchema, serviceErrorBody(error))).toBe(true)
      const response = serviceErrorResponse(error, { connection: 'close' })
      expect(response.status).toBe(SERVICE_ERROR_STATUS[code])
      expect(response.headers.get('connection')).toBe('close')
      expect(await response.json()).toEqual(serviceErrorBody(error))
    }
    expect(Value.Check(ErrorSchema, { error: { type: 'made_up', message: 'x' } })).toBe(false)
  })
})
