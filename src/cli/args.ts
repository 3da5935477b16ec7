// Parses command-line flags for every subcommand (node:util parseArgs), with errors that name the flag.
import { parseArgs } from 'node:util'
import { ServiceError } from '../errors/service-error.ts'

/** A wrong command line: the one service error type, code invalid_usage (the CLI exits with status 2). */
export class UsageError extends ServiceError {
  override name = 'UsageError'
  constructor(message: string) {
    super('invalid_usage', message)
  }
}

export const COMMON_FLAGS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

export function parse<const O extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON_FLAGS, ...options }, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

export function intFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}"`)
  return n
}
