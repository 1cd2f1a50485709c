/**
 * An error the user can fix: printed as one clear line (what, which object,
 * what to do), without a stack trace unless --verbose.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function formatError(err: unknown, verbose: boolean): string {
  if (err instanceof UserError) {
    return verbose && err.stack ? `Error: ${err.message}\n${err.stack}` : `Error: ${err.message}`;
  }
  if (err instanceof Error) {
    return verbose && err.stack ? `Error: ${err.stack}` : `Error: ${err.message}`;
  }
  return `Error: ${String(err)}`;
}
