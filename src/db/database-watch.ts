// Checks every few seconds that the local database path still holds the file the gateway opened; says so loudly when not.
import type { Logger } from '../log.ts'
import { databaseFileProblem, type FileIdentity } from './file-identity.ts'

export interface WatchedFile {
  readonly path: string
  readonly identity: FileIdentity
}

/** What an operator can do about it, logged with the problem. */
const ADVICE =
  'usage rows are held in memory (not written, not acknowledged) and admin changes are refused; restore the database file and restart the gateway'

export class DatabaseWatch {
  private current: string | undefined
  private loggedAt = 0
  private timer: ReturnType<typeof setInterval> | undefined

  constructor(
    private readonly file: WatchedFile,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** While the problem lasts it is logged again this often. */
    private readonly repeatMs = 60_000,
  ) {}

  /** Why the database cannot be trusted with writes (undefined while it can). */
  get problem(): string | undefined {
    return this.current
  }

  /** One stat call; logs an error when the problem starts, then every `repeatMs` while it lasts. */
  check(): void {
    const problem = databaseFileProblem(this.file.path, this.file.identity)
    const at = this.now()
    if (problem && (problem !== this.current || at - this.loggedAt >= this.repeatMs)) {
      this.log.error(problem, {
        advice: ADVICE,
        // An unlinked file stays readable through the process's open descriptor until it exits (checked: with its WAL, every row).
        recover: `until this process (pid ${process.pid}) exits, the lost file is readable in /proc/${process.pid}/fd (the link marked "(deleted)"); copy it with its -wal file`,
      })
      this.loggedAt = at
    } else if (!problem && this.current) {
      this.log.info('the database file is the one the gateway opened again', { file: this.file.path })
    }
    this.current = problem
  }

  start(intervalMs: number): void {
    this.timer ??= setInterval(() => this.check(), intervalMs)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }
}
