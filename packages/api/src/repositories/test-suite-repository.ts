// Conversation test suites (issue 15): an automation's stored suite and the suite frozen with a
// release, each as the file's text and its parsed form; and the environment values a run uses.
import { schema, type Db } from '@ferry/db';
import { eq } from 'drizzle-orm';
import { SECRET_MASK } from '../env-text.js';
import type { Suite } from '../test-suite.js';
import { variablesOf } from './environment-repository.js';

export interface StoredSuite {
  text: string;
  suite: Suite;
  updatedBy: string | null;
  updatedAt: string | null;
}

export async function suiteOf(db: Db, automationId: string): Promise<StoredSuite | null> {
  const [row] = await db
    .select()
    .from(schema.testSuites)
    .where(eq(schema.testSuites.automationId, automationId));
  return row
    ? {
        text: row.text,
        suite: row.suite as Suite,
        updatedBy: row.updatedBy,
        updatedAt: row.updatedAt.toISOString(),
      }
    : null;
}

export async function storeSuite(
  tx: Db,
  automationId: string,
  value: { text: string; suite: Suite; by: string },
): Promise<void> {
  const row = { text: value.text, suite: value.suite, updatedBy: value.by, updatedAt: new Date() };
  await tx
    .insert(schema.testSuites)
    .values({ automationId, ...row })
    .onConflictDoUpdate({ target: schema.testSuites.automationId, set: row });
}

export async function releaseSuiteOf(db: Db, releaseId: string): Promise<StoredSuite | null> {
  const [row] = await db
    .select()
    .from(schema.releaseTestSuites)
    .where(eq(schema.releaseTestSuites.releaseId, releaseId));
  return row
    ? { text: row.text, suite: row.suite as Suite, updatedBy: null, updatedAt: null }
    : null;
}

/** Freeze a suite with a release (when the release is created). */
export async function freezeSuite(
  tx: Db,
  releaseId: string,
  stored: { text: string; suite: Suite },
): Promise<void> {
  await tx
    .insert(schema.releaseTestSuites)
    .values({ releaseId, text: stored.text, suite: stored.suite });
}

/**
 * An environment's values as a test run sees them. Secrets are given as their mask: a transcript
 * shows what the bot said, and a reader must not learn a secret by running a bot that echoes it
 * (a test that needs one sets it in its own `env`).
 */
export async function runValues(
  db: Db,
  environmentId: string | null,
): Promise<Record<string, string>> {
  if (environmentId === null) return {};
  const out: Record<string, string> = {};
  for (const row of await variablesOf(db, environmentId))
    out[row.key] = row.secret ? SECRET_MASK : (row.value ?? '');
  return out;
}
