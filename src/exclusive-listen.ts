// Binds the HTTP server to its address alone. Elysia's Bun adapter asks for SO_REUSEPORT by default, and with it a second
// gateway on the same port starts without complaint and the kernel deals requests out between two differently configured processes.
import type { AnyElysia } from 'elysia'
import { ServiceError } from './errors/service-error.ts'

export class AddressInUseError extends ServiceError {
  override name = 'AddressInUseError'
  constructor(message: string) {
    super('address_in_use', message)
  }
}

type ListenOptions = Exclude<Parameters<AnyElysia['listen']>[0], string | number>

export function listenExclusive(app: AnyElysia, options: ListenOptions & { hostname: string; port: number }): void {
  try {
    app.listen({ ...options, reusePort: false })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    throw new AddressInUseError(
      `address in use: ${options.hostname}:${options.port} already has a listener (another sociaro, or another program); ` +
        'stop it, or choose another port with --port or SOCIARO_PORT',
    )
  }
}
