// Flags every command takes (--database, --config, --verbose): taken out of the argument list before the command parses the rest.
import { isAbsolute, resolve } from 'node:path'
import { DEFAULT_DATABASE_URL } from '../config.ts'
import { UsageError } from './args.ts'

export interface GlobalFlags {
  /** A database URL (file:, libsql:, http(s):, ws(s):) or a plain path to a local file, made absolute. */
  readonly databaseUrl?: string
  readonly configFile?: string
  /** Say on stderr which database the command used. */
  readonly verbose: boolean
}

const VALUE_FLAGS = { '--database': 'databaseUrl', '--config': 'configFile' } as const

/** A plain path means a local file; a relative one is resolved against the current directory now, so it is named in full. */
export function databaseUrlFromFlag(value: string): string {
  if (/^(libsql:|https?:|wss?:)/.test(value)) return value
  if (value.startsWith('file:')) {
    const path = value.slice('file:'.length)
    return path.startsWith('//') || isAbsolute(path) ? value : `file:${resolve(path)}`
  }
  return `file:${resolve(value)}`
}

/** Removes the global flags (anywhere before a `--`) from `argv`; the command's own parser then rejects anything it does not know. */
export function takeGlobalFlags(argv: readonly string[]): { flags: GlobalFlags; rest: string[] } {
  const rest: string[] = []
  let databaseUrl: string | undefined
  let configFile: string | undefined
  let verbose = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      rest.push(...argv.slice(i))
      break
    }
    if (arg === '--verbose') {
      verbose = true
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(0, eq) : arg
    if (!(name in VALUE_FLAGS)) {
      rest.push(arg)
      continue
    }
    let value: string | undefined
    if (eq > 0) value = arg.slice(eq + 1)
    else {
      value = argv[i + 1]
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`)
      i++
    }
    if (value === '') throw new UsageError(`${name} needs a value`)
    if (name === '--database') databaseUrl = databaseUrlFromFlag(value)
    else configFile = resolve(value)
  }
  return { flags: { verbose, ...(databaseUrl ? { databaseUrl } : {}), ...(configFile ? { configFile } : {}) }, rest }
}

/**
 * The environment with the flags in place of the variables they stand for, so loadConfig validates both alike. A
 * relative local database (the default is one) is made absolute here, so every log line and message names it in full.
 */
export function envWithFlags(env: Record<string, string | undefined>, flags: GlobalFlags): Record<string, string | undefined> {
  const database = flags.databaseUrl ?? (env.SOCIARO_DATABASE_URL || DEFAULT_DATABASE_URL)
  return {
    ...env,
    SOCIARO_DATABASE_URL: database.startsWith('file:') ? databaseUrlFromFlag(database) : database,
    ...(flags.configFile ? { SOCIARO_CONFIG: flags.configFile } : {}),
  }
}
