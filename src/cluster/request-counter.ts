/** Requests sent, by `verb resource` (e.g. `list pods`, `get pods/log`). */
export class RequestCounter {
  readonly #counts = new Map<string, number>();

  count(verb: string, resource: string): void {
    const key = `${verb} ${resource}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** Total, or only those matching `verb` and/or `resource`. */
  total(filter: { verb?: string; resource?: string } = {}): number {
    let sum = 0;
    for (const [key, n] of this.#counts) {
      const [verb, resource] = key.split(' ');
      if ((filter.verb === undefined || filter.verb === verb) && (filter.resource === undefined || filter.resource === resource)) sum += n;
    }
    return sum;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}
