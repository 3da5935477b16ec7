// ChangeEvents: a service's emit resolves only after every subscriber of that type has finished, and reports a failure.
import { expect, test } from 'bun:test'
import { ChangeEvents } from '../../src/services/change-events.ts'

test('emit waits for async subscribers, reaches only the event type subscribed, and stops after unsubscribe', async () => {
  const events = new ChangeEvents()
  const seen: string[] = []
  events.on('prices.changed', async () => {
    await Bun.sleep(30)
    seen.push('prices (slow)')
  })
  const off = events.on('prices.changed', () => {
    seen.push('prices')
  })
  events.on('credential.changed', (event) => {
    seen.push(`credential ${event.provider}`)
  })
  await events.emit({ type: 'prices.changed' })
  expect(seen.sort()).toEqual(['prices', 'prices (slow)'])
  off()
  seen.length = 0
  await events.emit({ type: 'prices.changed' })
  expect(seen).toEqual(['prices (slow)'])
})

test('a failing subscriber fails the emit, after the others have run', async () => {
  const events = new ChangeEvents()
  let ran = false
  events.on('prices.changed', () => {
    throw new Error('reload failed')
  })
  events.on('prices.changed', async () => {
    await Bun.sleep(10)
    ran = true
  })
  await expect(events.emit({ type: 'prices.changed' })).rejects.toThrow('reload failed')
  expect(ran).toBe(true)
})
