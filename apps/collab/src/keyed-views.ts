/**
 * The views of one kind (lists, cards) by the id of what they show, kept from one drawing to the next.
 * An id found more than once in one board (a JSON Patch `copy` from another client can duplicate a
 * card) gets a view per occurrence, in order, so each place has an element of its own.
 */
export class KeyedViews<V> {
  private readonly views = new Map<string, V[]>();
  private drawn = new Map<string, number>();

  /** Starts a drawing: views not asked for until `end` are dropped then. */
  begin(): void {
    this.drawn = new Map();
  }

  /** The view of the next occurrence of `id` in this drawing, made by `make` if it has none yet. */
  get(id: string, make: () => V): { view: V; made: boolean } {
    const n = this.drawn.get(id) ?? 0;
    this.drawn.set(id, n + 1);
    let views = this.views.get(id);
    if (views === undefined) {
      views = [];
      this.views.set(id, views);
    }
    const kept = views[n];
    if (kept !== undefined) return { view: kept, made: false };
    const view = make();
    views[n] = view;
    return { view, made: true };
  }

  /** Drops the views of what left the board. */
  end(): void {
    for (const [id, views] of this.views) {
      const n = this.drawn.get(id) ?? 0;
      if (n === 0) this.views.delete(id);
      else views.length = n;
    }
  }
}
