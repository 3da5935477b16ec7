// Creates the gateway's own files and folders private to its user (0600 / 0700), whatever the umask.
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs'
import { dirname, relative, resolve, sep } from 'node:path'

/** Creates `dir` (and missing parents) as 0700; folders that already exist keep their mode. */
export function ensurePrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (first === undefined) return
  // mkdir's mode is filtered by the umask: set it outright on every folder this call created.
  let path = first
  chmodSync(path, 0o700)
  for (const part of relative(first, resolve(dir)).split(sep).filter(Boolean)) {
    path = `${path}${sep}${part}`
    chmodSync(path, 0o700)
  }
}

/** Creates an empty 0600 file at `path` unless one exists; true when this call created it. */
export function createPrivateFile(path: string): boolean {
  ensurePrivateDir(dirname(path))
  let fd: number
  try {
    fd = openSync(path, 'wx', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    fchmodSync(fd, 0o600)
  } finally {
    closeSync(fd)
  }
  return true
}

/** The permission bits of `path` when group or others may read or write it (undefined when private or absent). */
export function exposedModeOf(path: string): number | undefined {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (!stat) return undefined
  const mode = stat.mode & 0o777
  return mode & 0o066 ? mode : undefined
}
