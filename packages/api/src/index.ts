// @ferry/api: the tRPC router (its type is what clients import) and the server that serves it.
export { appRouter, type AppRouter } from './router.js';
export {
  startServer,
  loadWebFallback,
  DEFAULT_MAX_REQUEST_BYTES,
  type ApiCaller,
  type WebRequest,
  type WebUser,
  type ServerOptions,
  type RunningServer,
} from './server.js';
export { createContextInner, type Context, type Services, type Caller } from './context.js';
export { createCallerFactory, type ErrorData } from './trpc.js';
export { ROLES, can, type Role, type Permission } from './roles.js';
export { BACKUP_PATH } from './backup-route.js';
export {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupFormatError,
  decodeBackup,
  type BackupManifest,
  type BackupTrailer,
} from './backup-format.js';
export {
  RestoreRefusedError,
  checkBackupFile,
  fileSource,
  restoreBackup,
  restoreBackupInto,
  type RestoreReport,
} from './repositories/backup-repository.js';
