// @ferry/core: pure snapshot, diff, release and CB-export logic. No I/O; runs in Node and browsers.
export * from './result.js';
export * from './json.js';
export * from './hash.js';
export * from './content.js';
export * from './rules.js';
export * from './cb-export.js';
export * from './store.js';
export * from './prolly.js';
export * from './snapshot.js';
export * from './diff.js';
export * from './env-refs.js';
export * from './checks.js';
export * from './operations.js';
export * from './generate.js';
export * from './hydrate.js';
