/**
 * Bounds on what a patch and the document may be. They are part of the replicated rules: every node
 * checks every committed patch against them, so they are constants, the same on every node (an
 * option that differed between nodes would make them disagree).
 */
export const PATCH_LIMITS = Object.freeze({
  /** Operations in one patch. */
  maxOperations: 1000,
  /** Characters of the patch as JSON (the core also caps a command, `maxCommandChars`). */
  maxPatchChars: 1024 * 1024,
  /** Characters of one JSON Pointer (`path` or `from`). */
  maxPointerChars: 4096,
  /** Segments of one JSON Pointer. */
  maxPathSegments: 64,
  /**
   * Nesting of a value a patch carries (`[]` and `{}` count one level). Under the core's limit for a
   * command (64 levels from the command's root, `MAX_JSON_DEPTH` in its message validation), with
   * room for the command, the patch array and the operation around the value.
   */
  maxValueDepth: 60,
  /**
   * Nesting of the document: a value's path length plus its own nesting. Keeps every recursive walk
   * of the document (freezing, snapshots, JSON) far from the stack's limit. `add` and `replace` stay
   * within it by the two limits above; a `move` or `copy` deeper into the document is checked.
   */
  maxDocumentDepth: 128,
});
