// @ferry/core: pure snapshot, diff, release and CB-export logic. No I/O; runs in Node and browsers.
// Exactly the public API of README.md; helpers only core uses stay unexported (generators: ./testing).

// Results, JSON and hashing
export type { ErrorCode, FerryError, Result } from './result.js';
export {
  isJsonObject,
  jsonEqual,
  setKey,
  type JsonObject,
  type JsonPrimitive,
  type JsonValue,
} from './json.js';
export { sha256Hex, type HashFn } from './hash.js';
export { InternalError, must } from './must.js';
/** Parse a stored node, keeping an entity's exact text (what every node store's decode must use). */
export { parseExact } from './lexical.js';

// CB export import and export
export { emptyContent, type BotContent, type DialogContent, type OrderRun } from './content.js';
export {
  CB_EXPORT_MAX_BYTES,
  exportCbExport,
  exportCbExportText,
  importCbExport,
  type BotIdentity,
  type ImportedBot,
  type ImportLimits,
  type ImportWarning,
} from './cb-export.js';
export { NOT_A_CB_EXPORT, exportPlace } from './export-problems.js';

// Content-addressed snapshots
export {
  CorruptNodeError,
  MemoryNodeStore,
  MissingNodeError,
  type AsyncNodeStore,
  type NodeStore,
} from './store.js';
export {
  createSnapshotter,
  type DialogNode,
  type EditOp,
  type RootNode,
  type SectionParts,
  type SectionRef,
  type Snapshotter,
  type TreeParts,
} from './snapshot.js';
export {
  importIndexed,
  exportIndexParts,
  indexFromParts,
  reimportIndexed,
  type ExportChange,
  type ExportIndex,
  type ExportIndexParts,
  type ExportSource,
  type BuiltDialog,
  type IndexedImport,
  type IndexedMember,
} from './export-index.js';
export { findById, listEntries, listLength, type ChunkedList, type Entry } from './prolly.js';
export { hydrate, nodeChildren, type HydrateOptions, type NodeRole } from './hydrate.js';
export {
  pushTree,
  treeChildren,
  type SyncOptions,
  type SyncRemote,
  type SyncStats,
  type TreeRole,
} from './sync.js';
export {
  checkTree,
  MAX_TREE_ENTRIES,
  nodeTextProblem,
  type CheckedTree,
  type CheckOptions,
  type KnownTree,
  type StructureCache,
  type TreeCounts,
} from './tree-check.js';

// The version and release rules
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
export {
  deleteVersion,
  importInto,
  resolveVersionRef,
  restoreVersion,
  saveVersion,
  versionsToPrune,
  type ImportedInto,
  type Restored,
  type Saved,
} from './versions.js';
export {
  activeUpgrade,
  createRelease,
  promoteRelease,
  rejectRelease,
  rollback,
  semverFloor,
  releaseVersion,
  upgradeToRelease,
  whatRuns,
  type Created,
  type CreateReleaseInput,
  type RolledBack,
  type Running,
  type Upgraded,
  type UpgradeInput,
} from './releases.js';

// Release governance (approvals, comments) and release notes
export {
  approvalShortfall,
  approveRelease,
  checkApprovals,
  commentOnRelease,
  REQUIRED_APPROVALS_MAX,
  type Approval,
  type ReleaseComment,
} from './governance.js';
export {
  dialogNamesIn,
  releaseNotes,
  releaseNotesMarkdown,
  unnamedDialogIds,
  type NoteDialog,
  type NoteItem,
  type ReleaseNotes,
  type ReleaseNotesInput,
} from './release-notes.js';

// Pipelines: the release graph in stage order
export {
  buildPipelines,
  type Pipeline,
  type PipelineAutomation,
  type PipelineEdge,
  type PipelineFacts,
  type PipelineRelease,
  type PipelineStage,
} from './pipelines.js';

// Rules every surface shares
export { formatUtc, plural, pluralWord, VARIABLE_NAME_MAX, variableNameProblem } from './rules.js';
export { epochDate, fieldLabel, typeLabel, type FieldOwner } from './labels.js';

// CB content as people read it, and as a flow graph
export {
  interactionType,
  readableDialog,
  readableDialogs,
  readableInteraction,
  type ReadableDialog,
  type ReadableInteraction,
} from './readable.js';
export {
  FLOW_DIALOG_PREFIX,
  flowGraph,
  interactionLinks,
  type FlowEdge,
  type FlowEdgeKind,
  type FlowGraph,
  type FlowGraphOptions,
  type FlowNode,
  type FlowStatus,
  type InteractionLink,
} from './flow-graph.js';
export {
  dialogFlowGraph,
  dialogFlowPart,
  dialogMarks,
  flowIndex,
  flowOverview,
  type CrossLink,
  type DialogFlowGraph,
  type DialogFlowPart,
  type DialogMark,
  type FlowExit,
  type FlowIndex,
  type FlowOverview,
  type OverviewEdge,
  type OverviewNode,
} from './flow-overview.js';

// Diff
export {
  DIFF_HIDDEN_SECTIONS,
  diffSnapshots,
  type Change,
  type ChangeKind,
  type ChangeOp,
  type Diff,
  type DiffSummary,
  type FieldChange,
} from './diff.js';
export {
  textDiff,
  valueDiff,
  TEXT_DIFF_MAX_CHARS,
  TEXT_DIFF_MAX_EDIT,
  type TextDiff,
  type TextSegment,
} from './text-diff.js';

// Environment variables and release checks
export {
  ENV_WRAPPER_KEY,
  describeLocation,
  envIndexKeysIn,
  envReferencesIn,
  fieldOf,
  findDynamicEnvUses,
  findEnvReferences,
  forEachEntity,
  referencedEnvNames,
  type DynamicEnvUse,
  type EnvReference,
  type Location,
} from './env-refs.js';
export { WRAPPER_DEPTH } from './env-wrappers.js';
export { releaseChecks, type CheckCode, type CheckFinding, type CheckReport } from './checks.js';
export {
  chainOrder,
  linkIntoChain,
  placeInteraction,
  relinkChain,
  unlinkFromChain,
  type InteractionPlace,
  type PlacedInteraction,
} from './chain.js';
export { entityId } from './content.js';
export {
  NEW_INTERACTION_KINDS,
  NEW_INTERACTION_OPTIONS_MAX,
  newInteraction,
  type NewInteractionCode,
  type NewInteractionField,
  type NewInteractionKind,
  type NewInteractionSpec,
} from './new-interaction.js';

// Conversation simulation (the code sandbox is injected: @ferry/sandbox implements it)
export {
  CB_DEFAULT_API_FAILURE,
  CB_DEFAULT_FALLBACK,
  readApiPath,
  simulateConversation,
  simulationCoverage,
  type SimulationCoverage,
} from './simulator.js';
export { messageText } from './simulator-render.js';
export { REGEX_INPUT_MAX, matchesPattern, normalizeForPattern } from './cb-patterns.js';
export type {
  BotContextAnswer,
  CodeSandbox,
  Inconclusive,
  IntegrationFixture,
  SandboxResult,
  SandboxRun,
  SimButton,
  SimMessage,
  SimQuickReply,
  SimStep,
  SimTurn,
  SimulationFixtures,
  SimulationOptions,
  SimulationResult,
} from './simulator-types.js';
