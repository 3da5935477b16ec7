// Leveled one-line logging to stderr, as text or JSON (SOCIARO_LOG_FORMAT); callers pass facts, never secrets.
export type Level = 'debug' | 'info' | 'warn' | 'error'
export type LogFormat = 'text' | 'json'
export const LEVEL_ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/**
 * One line, newline included. Text: `<time> <LEVEL> <message> {fields as JSON}`. JSON: one object with `time`,
 * `level` and `msg` first, then the fields (a field cannot overwrite those three).
 */
export function formatLogLine(format: LogFormat, at: Date, level: Level, message: string, fields?: Record<string, unknown>): string {
  if (format === 'json') {
    const time = at.toISOString()
    // Keys keep their first position: time, level and msg lead, and are set again after the fields so none is overwritten.
    const line: Record<string, unknown> = { time, level, msg: message, ...fields }
    line.time = time
    line.level = level
    line.msg = message
    return `${JSON.stringify(line)}\n`
  }
  const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ''
  return `${at.toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${extra}\n`
}

export function createLogger(
  minimum: Level = 'info',
  sink: (line: string) => void = (line) => process.stderr.write(line),
  format: LogFormat = 'text',
): Logger {
  const emit = (level: Level, message: string, fields?: Record<string, unknown>) => {
    if (LEVEL_ORDER[level] < LEVEL_ORDER[minimum]) return
    sink(formatLogLine(format, new Date(), level, message, fields))
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }
