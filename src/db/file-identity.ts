// Tells whether the path of an open database still names the file that was opened (an unlinked file keeps taking writes nobody sees).
import { statSync } from 'node:fs'

/** Device and inode: what a path resolves to, independent of its name. */
export interface FileIdentity {
  readonly dev: bigint
  readonly ino: bigint
}

export function fileIdentity(path: string): FileIdentity | undefined {
  const stat = statSync(path, { bigint: true, throwIfNoEntry: false })
  return stat ? { dev: stat.dev, ino: stat.ino } : undefined
}

/** Why `path` no longer holds the database opened as `opened`, or undefined while it does. One stat call. */
export function databaseFileProblem(path: string, opened: FileIdentity): string | undefined {
  let current: FileIdentity | undefined
  try {
    current = fileIdentity(path)
  } catch (error) {
    return `the database file ${path} cannot be checked: ${(error as Error).message}`
  }
  if (!current) return `the database file ${path} was deleted while the gateway had it open; nothing written since is stored where anyone can read it`
  if (current.dev !== opened.dev || current.ino !== opened.ino) {
    return `the database file ${path} was replaced by another file while the gateway had it open; the gateway still writes to the old one`
  }
  return undefined
}
