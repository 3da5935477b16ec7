// The admin API's front door: token, then body size, checked before routing, validation or any body byte is read.
import { declaresBody } from '../proxy/read-body.ts'
import { ServiceError, serviceErrorResponse } from '../errors/service-error.ts'
import { createAdminCheck } from './admin-auth.ts'

/** Admin bodies are small JSON documents (an org, a key, a price): anything larger is refused unread. */
export const ADMIN_MAX_BODY_BYTES = 1024 * 1024

export const ADMIN_PREFIX = '/admin/v1'

export const ADMIN_TOKEN_REQUIRED = 'A valid admin token is required (Authorization: Bearer <SOCIARO_ADMIN_TOKEN>).'

/** Bun reads and discards an unread body to keep the connection alive; closing it instead is what stops the upload. */
export function refusedUnread(error: ServiceError, request: Request): Response {
  return serviceErrorResponse(error, declaresBody(request.headers) ? { connection: 'close' } : undefined)
}

/** Whether `url` (absolute, as Bun hands it over) is under the admin prefix: the OpenAPI document included. */
export function isAdminUrl(url: string): boolean {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2)
  if (pathStart < 0 || !url.startsWith(ADMIN_PREFIX, pathStart)) return false
  const next = url.charCodeAt(pathStart + ADMIN_PREFIX.length)
  // "/admin/v1", "/admin/v1/…", "/admin/v1?…" but not "/admin/v10".
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */
}

/**
 * Answers 401 (no valid admin token) or 413 (declared length above the cap) for admin URLs, and undefined for
 * everything else; chunked bodies are bounded while they are read (see the admin routes' parser).
 */
export function createAdminGate(token: string): (request: Request) => Response | undefined {
  const authorized = createAdminCheck(token)
  return (request) => {
    if (!isAdminUrl(request.url)) return undefined
    if (!authorized(request.headers.get('authorization'))) {
      return refusedUnread(new ServiceError('unauthorized', ADMIN_TOKEN_REQUIRED), request)
    }
    const declared = request.headers.get('content-length')
    if (declared !== null && !(Number(declared) <= ADMIN_MAX_BODY_BYTES)) return tooLarge(request)
    return undefined
  }
}

export function tooLarge(request: Request): Response {
  return refusedUnread(new ServiceError('too_large', `Admin request bodies are limited to ${ADMIN_MAX_BODY_BYTES} bytes.`), request)
}

/** The answer for an admin path no admin route serves (token already checked): it must not fall through to the proxy. */
export function unknownAdminRoute(request: Request): Response {
  const url = request.url
  const start = url.indexOf('/', url.indexOf('//') + 2)
  const query = url.indexOf('?', start)
  // The path only, cut short: an error echoes no query and no unbounded client input.
  const path = url.slice(start, query < 0 ? url.length : query).slice(0, 200)
  return refusedUnread(new ServiceError('not_found', `No such admin route: ${request.method} ${path}.`), request)
}
