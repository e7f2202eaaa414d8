// @ferry/core/import: what a client importing a CB export needs and no more (the CLI's
// `automation import` loads this, not the whole core): the importer, the snapshotter, the export
// index and the client's half of content-addressed sync.
export { importCbExport, type ImportLimits, type ImportedBot } from './cb-export.js';
export type { BotContent } from './content.js';
export {
  importIndexed,
  exportIndexParts,
  indexFromParts,
  reimportIndexed,
  type ExportChange,
  type ExportIndex,
  type ExportIndexParts,
  type ExportSource,
  type IndexedImport,
} from './export-index.js';
export { createSnapshotter, type Snapshotter } from './snapshot.js';
export { MemoryNodeStore } from './store.js';
export { pushTree, type SyncRemote, type SyncStats } from './sync.js';
