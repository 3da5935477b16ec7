// Which database a command uses, said in full, and the refusal to create a new local file outside serve and migrate.
import { existsSync } from 'node:fs'
import { localPathOf } from '../db/client.ts'
import { ConfigError } from '../config.ts'

/** How the database URL was chosen, for messages. */
export type DatabaseSource = 'flag' | 'environment' | 'default'

/** A local database as its absolute path; a remote one as its URL with any userinfo masked. */
export function describeDatabase(url: string): string {
  const path = localPathOf(url)
  return path ?? url.replace(/\/\/[^@/]*@/, '//***@')
}

const SOURCE_TEXT: Record<DatabaseSource, string> = {
  flag: 'from --database',
  environment: 'from SOCIARO_DATABASE_URL',
  default: 'the default, relative to the current directory',
}

/**
 * A command that reads or edits the gateway's data must find the server's database, not make an empty one next to
 * wherever it was run from (keys made there would never work). Remote databases are not checked: there is no file.
 */
export function requireExistingDatabase(url: string, source: DatabaseSource, command: string): void {
  const path = localPathOf(url)
  if (path === undefined || existsSync(path)) return
  throw new ConfigError(
    `no database at ${path} (${SOURCE_TEXT[source]}); \`${command}\` does not create one.\n` +
      `Point at the server's database with --database PATH or SOCIARO_DATABASE_URL=file:/absolute/path, ` +
      `or run \`sociaro migrate\` there first to create an empty one on purpose.`,
  )
}
