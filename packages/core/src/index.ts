// @ferry/core: pure snapshot, diff, release and CB-export logic. No I/O; runs in Node and browsers.
export * from './result.js';
export * from './json.js';
export * from './hash.js';
export * from './content.js';
export * from './cb-export.js';
export * from './store.js';
export * from './prolly.js';
export * from './snapshot.js';
export * from './diff.js';
export * from './env-refs.js';
export * from './checks.js';
export {
  checkRevision,
  defaultVersionName,
  DESCRIPTION_MAX,
  NAME_MAX,
  type AuditEntry,
  type Automation,
  type OpContext,
  type Policy,
  type Release,
  type ReleaseStatus,
  type Upgrade,
  type Version,
  type VersionKind,
} from './automation.js';
export * from './versions.js';
export * from './releases.js';
export * from './generate.js';
export * from './hydrate.js';
