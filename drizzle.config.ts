import { defineConfig } from "drizzle-kit";

// D1 schema → SQL migrations in migrations/, the folder wrangler and the tests apply.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/lib/db/d1-schema.ts",
  out: "./migrations",
});
