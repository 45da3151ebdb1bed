/** Every failure a client can cause or see, with its HTTP status. One type, one mapping. */
export const ERROR_STATUS = {
  validation_error: 400,
  invalid_json: 400,
  scheduled_time_in_past: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_state: 409,
  idempotency_key_reused: 409,
  idempotency_request_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  not_implemented: 501,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
}

const TITLES: Record<ErrorCode, string> = {
  validation_error: "Invalid request",
  invalid_json: "Malformed JSON body",
  scheduled_time_in_past: "Scheduled time is in the past",
  unauthorized: "Missing or invalid credentials",
  forbidden: "Insufficient role",
  not_found: "Not found",
  conflict: "Conflict",
  invalid_state: "Invalid state transition",
  idempotency_key_reused: "Idempotency key reused with a different request",
  idempotency_request_in_progress: "A request with this idempotency key is still in progress",
  payload_too_large: "Request body too large",
  unsupported_media_type: "Unsupported media type",
  rate_limited: "Too many requests",
  internal_error: "Internal error",
  not_implemented: "Not implemented",
  service_unavailable: "Service unavailable",
};

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly fieldErrors?: FieldError[],
  ) {
    super(detail);
    this.status = ERROR_STATUS[code];
  }

  static validation(path: string, message: string): ApiError {
    return new ApiError("validation_error", `${path}: ${message}`, [{ path, message }]);
  }

  toProblem(): ProblemDetails {
    return problem(this.code, this.detail, this.fieldErrors);
  }
}

export function problem(code: ErrorCode, detail: string, errors?: FieldError[]): ProblemDetails {
  return {
    type: `https://docs.notification-scheduler.dev/errors/${code}`,
    title: TITLES[code],
    status: ERROR_STATUS[code],
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}
