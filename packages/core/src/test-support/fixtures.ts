// Test helpers: the shared real CB exports and the native hash function.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HashFn } from '../hash.js';

export const FIXTURE_DIR = fileURLToPath(
  new URL('../../../../../shared/fixtures/cb-exports/', import.meta.url),
);

export const fixtureNames = (): string[] =>
  readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();

export const readFixture = (name: string): string => readFileSync(FIXTURE_DIR + name, 'utf8');

export const nodeSha256: HashFn = (text) => createHash('sha256').update(text).digest('hex');
