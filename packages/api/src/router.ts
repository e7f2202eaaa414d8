// The whole API: one router per noun. Clients import only the type.
import { adminRouter } from './routers/admin.js';
import { agentsRouter } from './routers/agents.js';
import { auditlogRouter } from './routers/auditlog.js';
import { authRouter } from './routers/auth.js';
import { automationsRouter } from './routers/automations.js';
import { compareRouter } from './routers/compare.js';
import { editingRouter } from './routers/editing.js';
import { environmentsRouter } from './routers/environments.js';
import { flowRouter } from './routers/flow.js';
import { releasesRouter } from './routers/releases.js';
import { schedulesRouter } from './routers/schedules.js';
import { syncRouter } from './routers/sync.js';
import { testsRouter } from './routers/tests.js';
import { usersRouter } from './routers/users.js';
import { versionsRouter } from './routers/versions.js';
import { webhooksRouter } from './routers/webhooks.js';
import { router } from './trpc.js';

export const appRouter = router({
  auth: authRouter,
  automations: automationsRouter,
  editing: editingRouter,
  versions: versionsRouter,
  compare: compareRouter,
  flow: flowRouter,
  releases: releasesRouter,
  tests: testsRouter,
  schedules: schedulesRouter,
  sync: syncRouter,
  environments: environmentsRouter,
  agents: agentsRouter,
  users: usersRouter,
  audit: auditlogRouter,
  admin: adminRouter,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;
