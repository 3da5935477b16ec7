// One change to the provider-object ledger (src/objects/), as the proxy thread sends it to the metering worker to write; types only.

/** A created, deleted or refreshed provider object (file, batch, task), with who owns it. */
export type LedgerWrite =
  | {
      readonly op: 'create'
      readonly provider: string
      readonly objectId: string
      readonly kind: string
      readonly orgId: string
      readonly keyId: string
      readonly requestId: string
      readonly at: number
      readonly status: string | null
      readonly snapshot: string | null
    }
  | { readonly op: 'delete'; readonly provider: string; readonly objectId: string; readonly at: number }
  | { readonly op: 'refresh'; readonly provider: string; readonly objectId: string; readonly at: number; readonly status: string | null; readonly snapshot: string | null }
