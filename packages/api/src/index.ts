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
export {
  parseServerEnv,
  serverLogger,
  LOG_LEVELS,
  SERVER_VARIABLES,
  type LogLevel,
  type ServerEnv,
} from './env.js';
export {
  createContextInner,
  requestLogger,
  type Context,
  type Services,
  type Caller,
} from './context.js';
export { createCallerFactory, type ErrorData } from './trpc.js';
export { ROLES, can, type Role, type Permission } from './roles.js';
export {
  ConfigError,
  describeStartupFailure,
  parseSwitch,
  type StartupFailure,
} from './startup-errors.js';
export {
  SecretKeyMismatchError,
  checkSecretKey,
  keyCheckValue,
  parseSecretKey,
  resolveSecretKey,
  rotateInstanceKey,
  rotateSecretKey,
  type ResolvedKey,
  type RotateResult,
} from './secret-key.js';
export { loggableError } from './log-errors.js';
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
} from './backup-restore.js';
