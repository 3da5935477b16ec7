// Glob patterns ("gpt-4o*", "openai", "*") as anchored regular expressions: `*` matches anything, every other character itself.
export function globToRegExp(glob: string, flags = ''): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
  return new RegExp(`^${escaped}$`, flags)
}
