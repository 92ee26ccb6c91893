import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes a migration for every change to the one schema file.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './migrations',
  dbCredentials: { url: process.env.DATABASE_PATH ?? './data/mianshi.db' },
});
