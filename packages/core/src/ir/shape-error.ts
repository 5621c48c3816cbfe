/** A shape or dtype mismatch found while tracing; names the op and the module path. */
export class ShapeError extends Error {
  constructor(
    readonly op: string,
    readonly scope: string,
    detail: string,
  ) {
    super(`${op}${scope ? ` at ${scope}` : ''}: ${detail}`);
    this.name = 'ShapeError';
  }
}
