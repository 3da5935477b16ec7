// A fake provider account with async task APIs (DashScope, BytePlus ModelArk, MuleRouter) whose tasks follow scripted status progressions.
import type { RecordedRequest } from './fake-upstream.ts'

/** One state a task shows: its provider's own status word, and the usage (or error) it answers with then. */
export interface TaskStep {
  readonly status: string
  readonly usage?: Record<string, unknown>
  /** MuleRouter: a failure that still answers HTTP 200, with an error object. */
  readonly error?: boolean
}

interface Task {
  readonly id: string
  readonly provider: 'dashscope' | 'byteplus' | 'mulerouter'
  readonly model: string
  steps: TaskStep[]
  polls: number
}

export interface FakeTaskAccount {
  readonly handler: (request: RecordedRequest) => Response
  /** The steps the next created task goes through, one per poll (the last one repeats). */
  script(steps: TaskStep[]): void
  /** How often a task was polled upstream. */
  polls(id: string): number
  readonly tasks: ReadonlyMap<string, Task>
}

export function fakeTaskAccount(): FakeTaskAccount {
  const tasks = new Map<string, Task>()
  let next: TaskStep[] = [{ status: 'SUCCEEDED' }]
  let counter = 0
  const json = (body: unknown, status = 200) => Response.json(body, { status })
  const step = (task: Task): TaskStep => {
    const index = Math.min(task.polls, task.steps.length - 1)
    task.polls++
    return task.steps[index]!
  }
  const make = (provider: Task['provider'], id: string, model: string): Task => {
    const task: Task = { id, provider, model, steps: next, polls: 0 }
    tasks.set(id, task)
    return task
  }
  const handler = (request: RecordedRequest): Response => {
    const { method, path } = request
    const body = request.body.byteLength > 0 ? (JSON.parse(new TextDecoder().decode(request.body)) as Record<string, unknown>) : {}
    let match: RegExpExecArray | null
    // DashScope
    if (method === 'POST' && path.startsWith('/api/v1/services/')) {
      const task = make('dashscope', `ds-task-${++counter}`, String(body.model))
      return json({ request_id: `r${counter}`, output: { task_id: task.id, task_status: 'PENDING' } })
    }
    if (method === 'GET' && (match = /^\/api\/v1\/tasks\/([^/]+)$/.exec(path))) {
      const task = tasks.get(match[1]!)
      if (!task) return json({ request_id: 'r', output: { task_id: match[1], task_status: 'UNKNOWN' } })
      const now = step(task)
      const output: Record<string, unknown> = { task_id: task.id, task_status: now.status }
      if (now.status === 'SUCCEEDED') output.video_url = 'https://oss.example/video.mp4'
      return json({ request_id: `r${task.polls}`, output, ...(now.usage ? { usage: now.usage } : {}) })
    }
    // BytePlus ModelArk
    if (method === 'POST' && path === '/api/v3/contents/generations/tasks') {
      const task = make('byteplus', `cgt-${++counter}`, String(body.model))
      return json({ id: task.id })
    }
    if ((match = /^\/api\/v3\/contents\/generations\/tasks\/([^/]+)$/.exec(path))) {
      const task = tasks.get(match[1]!)
      if (!task) return json({ error: { code: 'ResourceNotFound', message: 'not found', param: '', type: 'NotFound' } }, 404)
      if (method === 'DELETE') {
        task.steps = [{ status: 'cancelled' }]
        task.polls = 0
        return json({})
      }
      const now = step(task)
      return json({ id: task.id, model: task.model, status: now.status, ...(now.usage ? { usage: now.usage } : {}), created_at: 1, updated_at: 2 })
    }
    // MuleRouter vendor tasks
    if ((match = /^\/vendors\/([^/]+)\/v1\/([^/]+)\/generation(?:\/([^/]+))?$/.exec(path))) {
      if (method === 'POST' && !match[3]) {
        const task = make('mulerouter', `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`, match[2]!)
        return json({ task_info: { id: task.id, status: 'queued', created_at: '2026-12-02T00:00:00Z', updated_at: '2026-12-02T00:00:00Z' } }, 202)
      }
      const task = tasks.get(match[3] ?? '')
      if (!task) return json({ detail: 'Task not found' }, 404)
      const now = step(task)
      const info = { id: task.id, status: now.status, created_at: '2026-12-02T00:00:00Z', updated_at: '2026-12-02T00:01:00Z' }
      if (now.error) return json({ task_info: info, error: { error_code: 3005, title: 'External service execution failed', detail: 'the vendor failed' } })
      return json({ task_info: info, ...(now.status === 'succeeded' || now.status === 'completed' ? { videos: ['https://cdn.example/v.mp4'] } : {}) })
    }
    return json({ error: { message: `fake task account: no route for ${method} ${path}` } }, 404)
  }
  return {
    handler,
    script(steps) {
      next = steps
    },
    polls: (id) => tasks.get(id)?.polls ?? 0,
    tasks,
  }
}
