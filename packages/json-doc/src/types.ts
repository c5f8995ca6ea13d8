/** A JSON value: what the document holds and what patches carry. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON value that cannot be changed: `doc.value` is deeply frozen. */
export type FrozenJson<T = JsonValue> = T extends readonly (infer E)[]
  ? readonly FrozenJson<E>[]
  : T extends object
    ? { readonly [K in keyof T]: FrozenJson<T[K]> }
    : T;

/** One RFC 6902 operation. `path` and `from` are JSON Pointers (RFC 6901). */
export type PatchOperation =
  | { op: 'add'; path: string; value: JsonValue }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: JsonValue }
  | { op: 'move'; from: string; path: string }
  | { op: 'copy'; from: string; path: string }
  | { op: 'test'; path: string; value: JsonValue };

/** An RFC 6902 JSON Patch: operations applied in order, all or none. */
export type JsonPatch = PatchOperation[];
