// @ferry/db: Drizzle schema and migrations on PGlite or PostgreSQL, and the SQL node store.
export * from './database.js';
export * from './migrate.js';
export * from './node-store.js';
export * from './raw-rows.js';
export * as schema from './schema.js';
