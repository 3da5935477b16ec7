// Process entry (and the compiled `sociaro` binary): dispatches the command line, wires `serve` to signals.
import pkg from '../package.json' with { type: 'json' }
import { createOperations } from './admin/operations.ts'
import { UsageError } from './cli/args.ts'
import { keysCommand, orgsCommand, providersCommand, type CliContext } from './cli/admin-commands.ts'
import { HELP, MAIN_HELP } from './cli/help.ts'
import { repriceCommand, usageCommand } from './cli/usage-commands.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { openDatabase } from './db/client.ts'
import { runMigrations } from './db/migrate.ts'
import { startGateway } from './gateway.ts'
import { createLogger } from './log.ts'
import { indexProviders } from './providers/registry.ts'
import { StoreError } from './store/orgs.ts'
import { createCredentialCipher } from './secrets/credential-cipher.ts'
import { resolveSecretKey } from './secrets/secret-key.ts'

/** Bun reads BUN_CONFIG_MAX_HTTP_REQUESTS only at start-up, so lifting the 256-request fetch cap needs a re-exec. */
const MAX_OUTBOUND_REQUESTS = '65535'

function reexecWithFetchCapLifted(): void {
  if (process.env.BUN_CONFIG_MAX_HTTP_REQUESTS) return
  const args = Bun.isStandaloneExecutable ? process.argv.slice(2) : process.argv.slice(1)
  process.execve!(process.execPath, [process.execPath, ...args], { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_OUTBOUND_REQUESTS })
}

async function readStdin(): Promise<string> {
  return (await new Response(Bun.stdin.stream()).text()).trim()
}

async function serve(config: Config): Promise<void> {
  reexecWithFetchCapLifted()
  const log = createLogger(config.logLevel, undefined, config.logFormat)
  const gateway = await startGateway(config, { log })
  log.info(`sociaro ${pkg.version} listening on ${gateway.url}`, { database: config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@') })
  const self = Bun.isStandaloneExecutable ? process.execPath : `bun ${process.argv[1]}`
  process.stderr.write(
    `\nFirst key:\n  ${self} orgs create my-team\n  ${self} keys create --org my-team\n` +
      `Then call e.g. ${gateway.url}/openai/v1/chat/completions with "Authorization: Bearer gw_live_…"\n\n`,
  )
  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info(`${signal}: draining and stopping`)
    gateway.stop().then(
      () => process.exit(0),
      (error) => {
        log.error('shutdown failed', { error: String(error) })
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

async function withDatabase(config: Config, run: (ctx: CliContext) => Promise<void>): Promise<void> {
  const database = await openDatabase(config.databaseUrl, config.databaseAuthToken)
  try {
    await runMigrations(database.db)
    const providers = indexProviders(config.providers)
    let cipher: ReturnType<typeof createCredentialCipher> | undefined
    const getCipher = () => (cipher ??= createCredentialCipher(resolveSecretKey(config).secretKey))
    const canonicalProvider = (name: string) => providers.get(name)?.spec.id
    const ops = createOperations(database.db, getCipher, new Set(providers.keys()), canonicalProvider)
    await run({
      db: database.db,
      client: database.client,
      ops,
      providers: config.providers,
      canonicalProvider,
      configPriceOverrides: config.priceOverrides,
      cipher: getCipher,
      out: (text) => console.log(text),
      readStdin,
    })
  } finally {
    database.close()
  }
}

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv
  if (command === '--version' || command === '-v') {
    console.log(pkg.version)
    return 0
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(MAIN_HELP)
    return 0
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const text = HELP[command]
    if (!text) throw new UsageError(`unknown command "${command}"\n\n${MAIN_HELP}`)
    console.log(text)
    return 0
  }
  const config = loadConfig()
  switch (command) {
    case 'serve':
      await serve(config)
      return -1
    case 'migrate':
      await withDatabase(config, async () => console.log('migrations applied'))
      return 0
    case 'orgs':
      await withDatabase(config, (ctx) => orgsCommand(ctx, rest))
      return 0
    case 'keys':
      await withDatabase(config, (ctx) => keysCommand(ctx, rest))
      return 0
    case 'providers':
      await withDatabase(config, (ctx) => providersCommand(ctx, rest))
      return 0
    case 'usage':
      await withDatabase(config, (ctx) => usageCommand(ctx, rest))
      return 0
    case 'reprice':
      await withDatabase(config, (ctx) => repriceCommand(ctx, rest))
      return 0
    default:
      throw new UsageError(`unknown command "${command}"\n\n${MAIN_HELP}`)
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (error) => {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof StoreError) {
      console.error(`sociaro: ${error.message}`)
      process.exit(error instanceof UsageError ? 2 : 1)
    }
    console.error(error)
    process.exit(1)
  },
)
