// Applies the drizzle/ migrations; in the compiled binary the folder is an embedded asset.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { migrate } from 'drizzle-orm/libsql/migrator'
import type { Db } from './client.ts'

export function migrationsFolder(): string {
  // Bundled, every module's import.meta.dir is the bundle root, where `--asset drizzle` lands.
  const candidates = [join(import.meta.dir, 'drizzle'), join(import.meta.dir, '../../drizzle')]
  const found = candidates.find((dir) => existsSync(join(dir, 'meta/_journal.json')))
  if (!found) throw new Error(`migrations not found (looked in ${candidates.join(', ')})`)
  return found
}

export async function runMigrations(db: Db): Promise<void> {
  await migrate(db, { migrationsFolder: migrationsFolder() })
}
