// The groupings a usage report offers: a constant the proxy thread's services check input against without loading the queries.
export const GROUPS = ['quarter', 'hour', 'day', 'provider', 'model', 'key', 'org', 'user'] as const
export type GroupBy = (typeof GROUPS)[number]
