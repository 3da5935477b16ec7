// Help texts for the sociaro command line.
import { BUDGET_PERIODS } from '../limits/period.ts'

export const MAIN_HELP = `sociaro: a self-hosted, byte-transparent AI gateway

Usage: sociaro [command] [options]

Commands:
  serve [--host H] [--port P]    start the gateway (default)
  orgs create NAME               create an organization
  orgs update NAME               change an organization's settings
  orgs list                      list organizations
  keys create --org NAME         create a gateway key (the secret is printed once)
  keys update ID                 change a key's allowlist, expiry or limits
  keys list [--org NAME]         list keys (never their secrets)
  keys revoke ID                 revoke a key (a running server notices within 2 s)
  users create --org NAME ...   add a dashboard user (password from stdin, or --invite for a link)
  users list [--org NAME]        list dashboard users
  providers set-credential P     store provider P's API key, read from stdin (encrypted at rest)
  providers list                 list providers and whether each has a credential
  usage                          summarize usage and cost
  reprice --from ISO --to ISO    recompute costs of stored requests with current prices
  jobs list [--status S]         list async jobs (tasks, batches) with status and cost
  jobs show ID                   show one job
  jobs webhooks --org NAME       list an org's job webhook deliveries (state, attempts, last result)
  jobs redeliver ID --org NAME   announce a settled job to its org's webhook again
  migrate                        apply database migrations

Options:
  --database PATH|URL  the database (else SOCIARO_DATABASE_URL, default file:./data/sociaro.db in the
                       current directory); only serve and migrate create a missing one
  --config FILE        the config file (else SOCIARO_CONFIG)
  --verbose            say on stderr which database the command used
  --json               machine-readable output (create, update and list commands)
  --help, -h           help for a command
  --version            print the version

Configuration comes from SOCIARO_* environment variables; see the README.`

export const HELP: Record<string, string> = {
  serve: `Usage: sociaro serve [--host HOST] [--port PORT] [--database PATH|URL] [--config FILE]

Starts the gateway on --host:--port (else SOCIARO_HOST:SOCIARO_PORT, default 127.0.0.1:8080) with the
database at --database (else SOCIARO_DATABASE_URL, default file:./data/sociaro.db, relative to the current
directory; created if missing) and the config file --config (else SOCIARO_CONFIG). A flag wins over its variable.
If the address is already in use (another sociaro, say) it exits with status 1 instead of sharing the port.
SIGTERM or SIGINT stops it gracefully.`,
  orgs: `Usage:
  sociaro orgs create NAME [--time-zone ZONE] [--budget-usd N --budget-period ${BUDGET_PERIODS.join('|')}]
                           [--budget-soft-percent P] [--stream-usage estimate|inject] [--json]
  sociaro orgs update NAME [same options as create]
                           [--webhook-url URL --webhook-secret-stdin | --webhook-url none]
      (every settled async job of the org is POSTed to URL, signed with the secret read from stdin)
  sociaro orgs list [--json]`,
  keys: `Usage:
  sociaro keys create --org NAME [--name N] [--models PATTERNS] [--expires-at ISO]
                      [--budget-usd N --budget-period ${BUDGET_PERIODS.join('|')}] [--budget-soft-percent P]
                      [--rpm N] [--tpm N] [--max-concurrency N] [--stream-usage estimate|inject] [--json]
  sociaro keys update ID [same options as create, without --org]
  sociaro keys list [--org NAME] [--json]
  sociaro keys revoke ID [--json]

PATTERNS is a comma-separated allowlist such as "openai/gpt-4o*,anthropic/*" (default "*").
keys create --json prints {"id": …, "key": "gw_live_…", …} and nothing else on stdout.

--rpm and --tpm are per-minute buckets of N that refill continuously (N every 60 s); "none" removes a limit.
Responses carry x-sociaro-ratelimit-{limit,remaining,reset}-{requests,tokens}; reset is the time until the
bucket is full again. Tokens are reserved from an estimate and corrected to the provider's count afterwards,
so requests can use more than was left: the key is then in debt and reset can exceed 60 s (90s after 1.5×N).
A 429 says so in its message, and its Retry-After is when that request fits.`,
  users: `Usage:
  sociaro users create --org NAME --email ADDRESS --role viewer|admin [--invite [--invite-hours H]] [--base-url URL] [--json]
  sociaro users invite ID [--invite-hours H] [--base-url URL] [--json]
  sociaro users list [--org NAME] [--json]
  sociaro users disable ID [--json]

Without --invite the password (at least 12 characters) is read from stdin. With --invite a one-time link is
printed that sets it; it expires after H hours (default 72). --base-url is the gateway's address as the
user's browser reaches it (default ${'http://127.0.0.1:8080'}). Disabling a user ends their sessions at once.
Key holders need no account: they sign in to /dashboard with their gateway key and see that key only.`,
  providers: `Usage:
  sociaro providers set-credential PROVIDER   (the secret is read from stdin, never from the command line)
  sociaro providers list [--json]`,
  usage: `Usage: sociaro usage [--org NAME] [--key KEY] [--provider P] [--model MODEL] [--from ISO] [--to ISO]
                     [--group-by provider|model|key|org|day|hour] [--json]

Sums usage and cost from the hourly and daily rollups (default: the last 30 days, grouped by model).
  --org NAME      an org's name or id
  --key KEY       a key's id, its name (unique, or unique within --org), or gw_live_abcd…wxyz as keys list shows it
  --provider P    a provider id or alias (openai, anthropic, …)
  --model MODEL   as --group-by model prints it (openai/gpt-4o-mini), or the provider's own name (gpt-4o-mini)
  --from, --to    ISO dates or times: from (rounded down to its hour, or day with --group-by day) up to, not incl., to
  --group-by G    provider, model, key, org, day or hour; key and org groups show the name beside the id
A filter that matches nothing (an unknown org, key or provider, a model with no usage at all) is an error, not
an empty table. Columns: requests; errors (status 400 or more, upstream failures, timeouts); input, output,
cache read, cache write and reasoning tokens; cost; requests unpriced (cost unknown, left out of the total) and
estimated (the provider reported no usage, so tokens were counted by the gateway).`,
  reprice: `Usage: sociaro reprice --from ISO --to ISO [--org NAME]

Recomputes cost for stored requests in the range from their raw usage and the prices in force now
(including overrides), and updates the rollups to match.`,
  jobs: `Usage: sociaro jobs list [--status STATUS] [--org NAME] [--key KEY] [--provider P] [--limit N] [--cursor C] [--json]
       sociaro jobs show ID [--json]
       sociaro jobs webhooks --org NAME [--state pending|delivered|given_up] [--limit N] [--cursor C] [--json]
       sociaro jobs redeliver ID --org NAME [--json]

Async jobs (DashScope and BytePlus tasks, MuleRouter vendor tasks) the gateway follows and bills once.
  --status STATUS   queued, running, succeeded, failed, canceled, expired or unknown
  --org NAME        an org's name or id
  --key KEY         the key that created them (id, name, or as keys list shows it)
  --provider P      a provider id or alias
Each job is billed once, when its end is first seen, to the key that created it; failed, canceled and
expired jobs cost nothing. A settled job is announced to its org's webhook, if it has one; redeliver
queues the announcement again (the job as it is now), due at once.`,
  migrate: `Usage: sociaro migrate

Applies pending database migrations (the server also does this at start-up).`,
}
