// The whole API: one router per noun. Clients import only the type.
import { authRouter } from './routers/auth.js';
import { automationsRouter } from './routers/automations.js';
import { router } from './trpc.js';

export const appRouter = router({
  auth: authRouter,
  automations: automationsRouter,
});

export type AppRouter = typeof appRouter;
