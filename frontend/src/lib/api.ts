/** The one fetch layer: every failure becomes an ApiError with a sentence a person can read, and a request
 * the API refuses for want of a key (401, or 403 for a read-only key) asks for one and is sent again. */

import { askForKey, storedKey, type KeyReason } from './api-key';

export type ApiErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'conflict'
  | 'wrong_vector_space'
  | 'too_large'
  | 'unsupported_type'
  | 'no_face'
  | 'bad_image'
  | 'not_ready'
  | 'unauthorized'
  | 'forbidden'
  | 'network'
  | 'unknown';

export class ApiError extends Error {
  readonly code: ApiErrorCode | string;
  readonly status: number;

  constructor(message: string, code: ApiErrorCode | string, status: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

const NETWORK_MESSAGE =
  'The server could not be reached. Check that it is running and try again.';

const STATUS_MESSAGES: Record<number, [string, ApiErrorCode]> = {
  400: ['The request was not understood.', 'bad_request'],
  404: ['That person or photo no longer exists.', 'not_found'],
  409: ['A person with that name already exists.', 'conflict'],
  413: ['The file is too large to upload.', 'too_large'],
  415: ['Only JPEG, PNG, WebP, HEIC and AVIF images can be used.', 'unsupported_type'],
  503: ['The search service is not ready yet. Try again in a moment.', 'not_ready'],
};

function isErrorBody(body: unknown): body is { error: string; code?: string } {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { error?: unknown }).error === 'string'
  );
}

async function toApiError(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  if (isErrorBody(body)) {
    return new ApiError(body.error, body.code ?? 'unknown', response.status);
  }
  const [message, code] = STATUS_MESSAGES[response.status] ?? [
    `Something went wrong on the server (error ${response.status}).`,
    'unknown',
  ];
  return new ApiError(message, code, response.status);
}

/** What the page says when the person closes the key prompt instead of entering a key. */
export const KEY_MESSAGES: Record<KeyReason, string> = {
  missing: 'This needs an API key, and none was entered.',
  rejected: 'That API key was not accepted.',
  'read-only': 'That API key may only read; changes need a key with write rights.',
};

function keyProblem(response: Response, sent: string | null): KeyReason | null {
  if (response.status === 401) return sent ? 'rejected' : 'missing';
  return response.status === 403 ? 'read-only' : null;
}

/** One request with the tab's key, if it has one; `sent` is the key it carried. */
async function send(path: string, init?: RequestInit): Promise<{ response: Response; sent: string | null }> {
  const sent = storedKey();
  const auth: Record<string, string> = sent ? { Authorization: `Bearer ${sent}` } : {};
  try {
    const response = await fetch(path, { ...init, headers: { Accept: 'application/json', ...auth, ...init?.headers } });
    return { response, sent };
  } catch (error) {
    if (init?.signal?.aborted) throw error;
    throw new ApiError(NETWORK_MESSAGE, 'network', 0);
  }
}

/** Sends the request until the API takes its key: asks for a key after each refusal (unless another request
 * already got a new one), and fails with the reason's sentence when the person cancels. */
async function sendWithKey(path: string, init?: RequestInit): Promise<Response> {
  let { response, sent } = await send(path, init);
  for (let reason = keyProblem(response, sent); reason; reason = keyProblem(response, sent)) {
    if (sent === storedKey() && !(await askForKey(reason))) {
      throw new ApiError(KEY_MESSAGES[reason], reason === 'read-only' ? 'forbidden' : 'unauthorized', response.status);
    }
    ({ response, sent } = await send(path, init));
  }
  return response;
}

/** Calls the API at `path` (under /api) and returns its JSON, or undefined for 204. */
export async function apiFetch<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await sendWithKey(path, init);
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as T;
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiError('The server sent an answer that could not be read.', 'unknown', response.status);
  }
}

/** The message to show for any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong. Please try again.';
}
