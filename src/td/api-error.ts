// The error of a failed Treasure Data API call. `kind` is td-client-ruby's exception class for
// the HTTP status (spec/treasure-data.md §2.3), so callers can tell "retry later" from "never":
//
//   400 BadRequestError  401 AuthError  403 ForbiddenError  404 NotFoundError
//   405 MethodNotAllowedError  409 AlreadyExistsError  415 UnsupportedMediaTypeError
//   422 UnprocessableEntityError  429 TooManyRequestsError  other 4xx ClientError  else APIError
//   no answer (refused, reset, timeout): NetworkError, status 0, `errno` the socket error code

import { TributaryError } from '../core/errors.js';

/** td-client-ruby's exception classes, by HTTP status (spec §2.3). */
export type ApiErrorKind =
  | 'BadRequestError'
  | 'AuthError'
  | 'ForbiddenError'
  | 'NotFoundError'
  | 'MethodNotAllowedError'
  | 'AlreadyExistsError'
  | 'UnsupportedMediaTypeError'
  | 'UnprocessableEntityError'
  | 'TooManyRequestsError'
  | 'ClientError'
  | 'APIError'
  | 'NetworkError'
  | 'UnexpectedResponseError';

export function errorKindForStatus(status: number): ApiErrorKind {
  switch (status) {
    case 400:
      return 'BadRequestError';
    case 401:
      return 'AuthError';
    case 403:
      return 'ForbiddenError';
    case 404:
      return 'NotFoundError';
    case 405:
      return 'MethodNotAllowedError';
    case 409:
      return 'AlreadyExistsError';
    case 415:
      return 'UnsupportedMediaTypeError';
    case 422:
      return 'UnprocessableEntityError';
    case 429:
      return 'TooManyRequestsError';
    default:
      return status >= 400 && status < 500 ? 'ClientError' : 'APIError';
  }
}

/** A failed API call. `message` is "<operation> failed: <server message>" (5xx: prefixed with the
 *  status), never containing the API key. `status` is 0 for network errors (then `code` is the
 *  socket error code, e.g. ECONNREFUSED). */
export class ApiError extends TributaryError {
  readonly status: number;
  readonly kind: ApiErrorKind;
  readonly operation: string;
  readonly serverMessage: string;
  readonly stacktrace: string | undefined;
  readonly errno: string | undefined;

  constructor(
    message: string,
    o: {
      status: number;
      kind: ApiErrorKind;
      operation: string;
      serverMessage?: string;
      stacktrace?: string;
      code?: string;
    },
  ) {
    super(o.kind === 'NetworkError' ? 'TD_NETWORK' : `TD_API_${o.status}`, message);
    this.status = o.status;
    this.kind = o.kind;
    this.operation = o.operation;
    this.serverMessage = o.serverMessage ?? '';
    this.stacktrace = o.stacktrace;
    this.errno = o.code;
  }

  /** 5xx, 429 and network failures may succeed later; other 4xx never will. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}
