// `make build`: compiles the gateway into one self-contained executable (dist/sociaro) with migrations, workers and libsql embedded.
import { libsqlNativePackage, libsqlStaticPlugin } from './libsql-static-plugin.ts'

const target = (process.env.SOCIARO_COMPILE_TARGET ?? `bun-${process.platform}-${process.arch}`) as Bun.Build.CompileTarget
const outfile = process.env.SOCIARO_COMPILE_OUTFILE ?? 'dist/sociaro'

/** Every worker must be an entrypoint of its own, or the compiled binary cannot start it. */
const ENTRYPOINTS = ['src/main.ts', 'src/meter-worker.ts', 'src/query-worker.ts']

const result = await Bun.build({
  entrypoints: ENTRYPOINTS,
  compile: {
    target,
    outfile,
    assets: ['drizzle'],
    // A deployed binary must not pick up a bunfig.toml or .env from whatever directory it starts in.
    autoloadBunfig: false,
    autoloadDotenv: false,
  },
  minify: { whitespace: true, syntax: true, identifiers: false },
  sourcemap: 'none',
  plugins: [libsqlStaticPlugin(libsqlNativePackage(target))],
})

if (!result.success) {
  for (const log of result.logs) console.error(log)
  process.exit(1)
}
console.log(`built ${outfile} for ${target}`)
