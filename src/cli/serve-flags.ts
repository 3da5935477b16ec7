// `serve`'s own flags (--host, --port), turned into the variables they stand for so loadConfig checks them as one.
import { parse, UsageError } from './args.ts'

/** `argv` after the global flags were taken out; anything else is refused, as every other command does. */
export function serveFlagsAsEnv(argv: string[]): Record<string, string> {
  const { values, positionals } = parse(argv, { host: { type: 'string' }, port: { type: 'string' } })
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments, got "${positionals[0]}"`)
  if (values.json) throw new UsageError('serve has no --json output')
  const env: Record<string, string> = {}
  if (values.host !== undefined) {
    if (values.host === '') throw new UsageError('--host needs a value')
    env.SOCIARO_HOST = values.host
  }
  if (values.port !== undefined) {
    const port = Number(values.port)
    if (!/^\d+$/.test(values.port) || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${values.port}"`)
    env.SOCIARO_PORT = String(port)
  }
  return env
}
