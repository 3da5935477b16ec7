// Help texts for the sociaro command line.
export const MAIN_HELP = `sociaro: a self-hosted, byte-transparent AI gateway

Usage: sociaro [command] [options]

Commands:
  serve                          start the gateway (default)
  orgs create NAME               create an organization
  orgs update NAME               change an organization's settings
  orgs list                      list organizations
  keys create --org NAME         create a gateway key (the secret is printed once)
  keys update ID                 change a key's allowlist, expiry or limits
  keys list [--org NAME]         list keys (never their secrets)
  keys revoke ID                 revoke a key (a running server notices within 2 s)
  providers set-credential P     store provider P's API key, read from stdin (encrypted at rest)
  providers list                 list providers and whether each has a credential
  usage                          summarize usage and cost
  reprice --from ISO --to ISO    recompute costs of stored requests with current prices
  migrate                        apply database migrations

Options:
  --json       machine-readable output (create, update and list commands)
  --help, -h   help for a command
  --version    print the version

Configuration comes from SOCIARO_* environment variables; see the README.`

export const HELP: Record<string, string> = {
  serve: `Usage: sociaro serve

Starts the gateway on SOCIARO_HOST:SOCIARO_PORT (default 127.0.0.1:8080) with the database at
SOCIARO_DATABASE_URL (default file:./data/sociaro.db). SIGTERM or SIGINT stops it gracefully.`,
  orgs: `Usage:
  sociaro orgs create NAME [--time-zone ZONE] [--budget-usd N --budget-period day|week|month|total]
                           [--budget-soft-percent P] [--stream-usage estimate|inject] [--json]
  sociaro orgs update NAME [same options as create]
  sociaro orgs list [--json]`,
  keys: `Usage:
  sociaro keys create --org NAME [--name N] [--models PATTERNS] [--expires-at ISO]
                      [--budget-usd N --budget-period day|week|month|total] [--budget-soft-percent P]
                      [--rpm N] [--tpm N] [--max-concurrency N] [--stream-usage estimate|inject] [--json]
  sociaro keys update ID [same options as create, without --org]
  sociaro keys list [--org NAME] [--json]
  sociaro keys revoke ID [--json]

PATTERNS is a comma-separated allowlist such as "openai/gpt-4o*,anthropic/*" (default "*").
keys create --json prints {"id": …, "key": "gw_live_…", …} and nothing else on stdout.`,
  providers: `Usage:
  sociaro providers set-credential PROVIDER   (the secret is read from stdin, never from the command line)
  sociaro providers list [--json]`,
  usage: `Usage: sociaro usage [--org NAME] [--from ISO] [--to ISO] [--group-by provider|model|key|day|hour] [--json]`,
  reprice: `Usage: sociaro reprice --from ISO --to ISO [--org NAME]

Recomputes cost for stored requests in the range from their raw usage and the prices in force now
(including overrides), and updates the rollups to match.`,
  migrate: `Usage: sociaro migrate

Applies pending database migrations (the server also does this at start-up).`,
}
