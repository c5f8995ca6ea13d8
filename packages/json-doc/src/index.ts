export type { PatchCommand, PatchResult } from './command.js';
export { compare } from './compare.js';
export {
  createJsonDoc,
  type EditOptions,
  type JsonDoc,
  type JsonDocOptions,
  type JsonDocRaft,
  type ProposeOptions,
} from './create-json-doc.js';
export {
  type ConflictReason,
  InvalidPatchError,
  type InvalidPatchReason,
  PatchConflictError,
} from './errors.js';
export {
  type JsonDocChange,
  JsonDocument,
  type JsonDocumentOptions,
  type PatchOutcomeEvent,
} from './json-document.js';
export { PATCH_LIMITS } from './limits.js';
export type { Committed } from './patch-outcome.js';
export { FORBIDDEN_SEGMENTS } from './pointer.js';
export type { FrozenJson, JsonPatch, JsonValue, PatchOperation } from './types.js';
export { type CheckedPatch, checkPatch, validatePatch } from './validate-patch.js';
