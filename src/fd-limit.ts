// Reads the process's open-file limit: slow clients that exhaust it make every new client wait for Bun's header deadline.
import { readFileSync } from 'node:fs'

/** Below this many descriptors, ~1,000 slow-header connections (Bun reaps them only after ~10 s) starve new clients. */
export const RECOMMENDED_OPEN_FILES = 16_384

/** The soft RLIMIT_NOFILE (Bun raises it to the hard limit at start-up), or undefined where /proc is unavailable. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8')
    } catch {
      return undefined
    }
  }
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(text)
  if (!match) return undefined
  return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1])
}
