/** A non-2xx answer of the apiserver, with the Status reason when it sent one. */
export class KubeError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
    readonly method = '',
    readonly path = '',
  ) {
    super(message);
    this.name = 'KubeError';
  }

  static from(statusCode: number, body: string, method: string, path: string): KubeError {
    let reason = '';
    let message = body.slice(0, 500) || `HTTP ${statusCode}`;
    try {
      const status = JSON.parse(body) as { reason?: string; message?: string };
      reason = status.reason ?? '';
      if (status.message) message = status.message;
    } catch {
      // not a Status object
    }
    return new KubeError(statusCode, reason, message, method, path);
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeError && err.statusCode === 404;
export const isAlreadyExists = (err: unknown): boolean => err instanceof KubeError && err.statusCode === 409 && err.reason === 'AlreadyExists';
export const isConflict = (err: unknown): boolean => err instanceof KubeError && err.statusCode === 409 && err.reason !== 'AlreadyExists';
export const isGone = (err: unknown): boolean => err instanceof KubeError && err.statusCode === 410;
/** 422: the object itself is invalid; retrying will not help. */
export const isInvalid = (err: unknown): boolean => err instanceof KubeError && err.statusCode === 422;
