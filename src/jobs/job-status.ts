// The normalised job statuses and which of them end a job.
import type { JobStatus } from '../types/jobs.ts'

export type { JobStatus }

export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'canceled', 'expired', 'unknown']

/** Statuses after which a job changes no more: it is billed (succeeded) or free (the others) and nobody polls it. */
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'canceled', 'expired'])

export const isTerminal = (status: JobStatus): boolean => TERMINAL_STATUSES.has(status)
