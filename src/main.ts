// Process entry (and the compiled `sociaro` binary): dispatches the command line, wires `serve` to signals.
import pkg from '../package.json' with { type: 'json' }
import { UsageError } from './cli/args.ts'
import { keysCommand, orgsCommand, providersCommand, type CliContext } from './cli/admin-commands.ts'
import { usersCommand } from './cli/user-commands.ts'
import { createCliServices } from './cli/cli-services.ts'
import { describeDatabase, requireExistingDatabase, type DatabaseSource } from './cli/database-choice.ts'
import { envWithFlags, takeGlobalFlags } from './cli/global-flags.ts'
import { serveFlagsAsEnv } from './cli/serve-flags.ts'
import { HELP, MAIN_HELP } from './cli/help.ts'
import { cliCommand, cliEnvFor, startupBanner } from './cli/startup-banner.ts'
import { repriceCommand, usageCommand } from './cli/usage-commands.ts'
import { jobsCommand } from './cli/job-commands.ts'
import { loadConfig, type Config } from './config.ts'
import { openDatabase } from './db/client.ts'
import { ServiceError } from './errors/service-error.ts'
import { runMigrations } from './db/migrate.ts'
import { startGateway } from './gateway.ts'
import { createLogger } from './log.ts'
import { indexProviders } from './providers/registry.ts'
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
  const cli = cliCommand(process.argv, process.cwd(), Bun.isStandaloneExecutable, process.execPath)
  process.stdout.write(startupBanner({ version: pkg.version, url: gateway.url, cli, providers: gateway.credentialSources(), cliEnv: cliEnvFor(config), keyPickupSeconds: Math.ceil(config.cacheRefreshMs / 1000) + 1 }))
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

/** How a command reaches its database: whether it may create a new local file, and whether to name it on stderr. */
interface DatabaseUse {
  readonly command: string
  readonly source: DatabaseSource
  readonly verbose: boolean
  /** Only serve and migrate make a new database; every other command needs the server's existing one. */
  readonly mayCreate: boolean
}

async function withDatabase(config: Config, use: DatabaseUse, run: (ctx: CliContext) => Promise<void>): Promise<void> {
  if (!use.mayCreate) requireExistingDatabase(config.databaseUrl, use.source, use.command)
  if (use.verbose) console.error(`sociaro: database ${describeDatabase(config.databaseUrl)}`)
  const database = await openDatabase(config.databaseUrl, config.databaseAuthToken)
  try {
    await runMigrations(database.db)
    const providers = indexProviders(config.providers)
    let cipher: ReturnType<typeof createCredentialCipher> | undefined
    const getCipher = () => (cipher ??= createCredentialCipher(resolveSecretKey(config).secretKey))
    const canonicalProvider = (name: string) => providers.get(name)?.spec.id
    const services = createCliServices({ database, providers: config.providers, canonicalProvider, cipher: getCipher, configPriceOverrides: config.priceOverrides, ...(config.jobs.webhookEgress ? { webhookEgress: config.jobs.webhookEgress } : {}) })
    await run({
      db: database.db,
      services,
      providers: config.providers,
      out: (text) => console.log(text),
      readStdin,
      ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    })
  } finally {
    database.close()
  }
}

async function main(argv: string[]): Promise<number> {
  // `sociaro --port 9000` is `sociaro serve --port 9000`: serve is the default command.
  const [command = 'serve', ...args] = argv[0]?.startsWith('--') && !['--help', '-h', '--version', '-v'].includes(argv[0]) ? ['serve', ...argv] : argv
  if (command === '--version' || command === '-v') {
    console.log(pkg.version)
    return 0
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(MAIN_HELP)
    return 0
  }
  if (args.includes('--help') || args.includes('-h')) {
    const text = HELP[command]
    if (!text) throw new UsageError(`unknown command "${command}"\n\n${MAIN_HELP}`)
    console.log(text)
    return 0
  }
  if (!HELP[command]) throw new UsageError(`unknown command "${command}"\n\n${MAIN_HELP}`)
  const { flags, rest } = takeGlobalFlags(args)
  const env = envWithFlags(process.env, flags)
  const source: DatabaseSource = flags.databaseUrl ? 'flag' : process.env.SOCIARO_DATABASE_URL ? 'environment' : 'default'
  const use = (mayCreate: boolean): DatabaseUse => ({ command: [command, rest[0]].filter(Boolean).join(' '), source, verbose: flags.verbose, mayCreate })
  if (command === 'serve') {
    await serve(loadConfig({ ...env, ...serveFlagsAsEnv(rest) }))
    return -1
  }
  const config = loadConfig(env)
  switch (command) {
    case 'migrate':
      if (rest.length > 0) throw new UsageError(`migrate takes no arguments, got "${rest[0]}"`)
      await withDatabase(config, use(true), async () => console.log(`migrations applied to ${describeDatabase(config.databaseUrl)}`))
      return 0
    case 'orgs':
      await withDatabase(config, use(false), (ctx) => orgsCommand(ctx, rest))
      return 0
    case 'keys':
      await withDatabase(config, use(false), (ctx) => keysCommand(ctx, rest))
      return 0
    case 'users':
      await withDatabase(config, use(false), (ctx) => usersCommand(ctx, rest))
      return 0
    case 'providers':
      await withDatabase(config, use(false), (ctx) => providersCommand(ctx, rest))
      return 0
    case 'usage':
      await withDatabase(config, use(false), (ctx) => usageCommand(ctx, rest))
      return 0
    case 'reprice':
      await withDatabase(config, use(false), (ctx) => repriceCommand(ctx, rest))
      return 0
    case 'jobs':
      await withDatabase(config, use(false), (ctx) => jobsCommand(ctx, rest))
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
    // Every error the gateway means to report is a ServiceError: its message alone; anything else is a bug, with its stack.
    if (error instanceof ServiceError) {
      console.error(`sociaro: ${error.message}`)
      process.exit(error.code === 'invalid_usage' ? 2 : 1)
    }
    console.error(error)
    process.exit(1)
  },
)
