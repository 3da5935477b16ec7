// Bench child processes exit when their parent (the runner) goes away, so nothing lingers after a crash.
const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) process.exit(0)
}, 1000).unref()
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
export {}
