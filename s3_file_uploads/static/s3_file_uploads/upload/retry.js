// When to try a request again and how long to wait first. One loop, withRetries(), serves
// every retry in the client (a single upload, each part, complete): it waits what the reply's
// Retry-After asks when there is one, else an exponential backoff with jitter.

import { UploadError } from "./errors.js";

/** @typedef {import("./types.js").Backoff} Backoff */

export const DEFAULT_RETRIES = 3;
/** Longest wait a Retry-After may impose, in milliseconds. */
const MAX_RETRY_AFTER_MS = 30_000;

/**
 * Whether a storage attempt that ended with `status` is worth repeating:
 * network errors (status 0) and server errors (5xx), never 4xx.
 * @param {number} status
 */
export function isRetryable(status) {
  return status === 0 || (status >= 500 && status <= 599);
}

/**
 * Delay before retry number `attempt` (0 for the first retry): exponential backoff with
 * "equal jitter", so the wait is between half and all of `min(maxDelay, baseDelay * 2^attempt)`.
 * @param {number} attempt
 * @param {Backoff} [options]
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, { baseDelay = 500, maxDelay = 10_000, random = Math.random } = {}) {
  const ceiling = Math.min(maxDelay, baseDelay * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Every delay of `retries` retries, in order.
 * @param {number} retries
 * @param {Backoff} [options]
 * @returns {number[]}
 */
export function backoffSchedule(retries, options) {
  return Array.from({ length: Math.max(0, retries) }, (_, attempt) => backoffDelay(attempt, options));
}

/**
 * A Retry-After header (seconds or an HTTP date) as milliseconds, capped; `fallback` when absent.
 * @param {string|null|undefined} value
 * @param {{now?: number, fallback?: number, max?: number}} [options]
 * @returns {number}
 */
export function retryAfterMs(value, { now = Date.now(), fallback = 1000, max = MAX_RETRY_AFTER_MS } = {}) {
  if (value == null || String(value).trim() === "") return fallback;
  const text = String(value).trim();
  let ms;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    ms = Number.isNaN(at) ? fallback : at - now;
  }
  return Math.min(max, Math.max(0, ms));
}

/**
 * The wait before retry number `attempt` after `error`: what its reply's Retry-After asks
 * (capped at 30 s), else `backoffDelay`. A Retry-After that cannot be read counts as absent.
 * @param {unknown} error
 * @param {number} attempt
 * @param {Backoff} [backoff]
 * @param {number} [now]
 * @returns {number} milliseconds
 */
export function retryDelay(error, attempt, backoff, now = Date.now()) {
  const fallback = backoffDelay(attempt, backoff);
  const header = error instanceof UploadError ? error.retryAfter : undefined;
  if (header == null || String(header).trim() === "") return fallback;
  return retryAfterMs(header, { now, fallback });
}

/**
 * Whether an error is worth another try by default: an UploadError of a network error or a 5xx.
 * @param {unknown} error
 */
function retryableError(error) {
  return error instanceof UploadError && isRetryable(error.status);
}

/**
 * Runs `attempt` until it succeeds, it throws an error that is not retryable, or `retries`
 * retries were spent, sleeping `retryDelay` between tries (Retry-After, else backoff).
 * @template T
 * @param {(try_: number) => Promise<T>} attempt
 * @param {{retries?: number, signal?: AbortSignal, sleep?: (ms: number, signal?: AbortSignal) => Promise<void>,
 *          shouldRetry?: (error: unknown) => boolean, backoff?: Backoff}} [options]
 * @returns {Promise<T>}
 */
export async function withRetries(attempt, { retries = DEFAULT_RETRIES, signal, sleep = abortableSleep, shouldRetry, backoff } = {}) {
  const retryable = shouldRetry ?? retryableError;
  for (let try_ = 0; ; try_ += 1) {
    signal?.throwIfAborted();
    try {
      return await attempt(try_);
    } catch (error) {
      if (try_ >= retries || signal?.aborted || !retryable(error)) throw error;
      await sleep(retryDelay(error, try_, backoff), signal);
    }
  }
}

/**
 * Waits `ms` milliseconds; rejects with the signal's reason as soon as it aborts.
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
export function abortableSleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
