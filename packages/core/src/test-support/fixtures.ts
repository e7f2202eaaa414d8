// Test helpers: the project's CB exports (plus the FERRY_CB_CORPUS corpus) and the native hash.
import { createHash } from 'node:crypto';
import { allFixtures, fixture } from '@ferry/fixtures';
import type { HashFn } from '../hash.js';

/** Every export the "on every fixture" tests run on: the project's, then the corpus, if any. */
export const fixtureNames = (): string[] => allFixtures();

export const readFixture = (name: string): string => fixture(name);

export const nodeSha256: HashFn = (text) => createHash('sha256').update(text).digest('hex');
