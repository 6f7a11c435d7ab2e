/** A bad expression or template, or one that cannot be evaluated; `position` is a 0-based offset in `source`. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  constructor(
    readonly reason: string,
    readonly source: string,
    readonly position: number,
    options?: { cause?: unknown },
  ) {
    super(
      `${reason} at position ${position} in ${JSON.stringify(source.length > 200 ? source.slice(0, 200) + '…' : source)}`,
      options,
    );
  }
}
