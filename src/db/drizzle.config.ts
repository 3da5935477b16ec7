// drizzle-kit configuration: `make db-generate` writes SQL migrations from src/db/schema.ts into drizzle/.
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'turso',
  schema: './src/db/schema.ts',
  out: './drizzle',
  dbCredentials: { url: 'file:./data/drizzle-kit.db' },
})
