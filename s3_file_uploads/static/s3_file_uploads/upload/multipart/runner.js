// Runs a multipart upload to its end: sends the parts storage does not hold, several at a time,
// each retried on its own (and signed again once after a 403), completes, resends what complete
// says is missing, and on cancel aborts the upload on the server. The plan's arithmetic is in
// plan.js, signatures in signer.js, part checksums in checksum.js, requests to Django in
// ../api.js.

import { UploadError } from "../errors.js";
import { abortMultipart, completeUpload, signParts } from "../api.js";
import { withRetries } from "../retry.js";
import { forget, remember } from "../resume.js";
import { sendToStorage } from "../transport.js";
import { partHasher } from "./checksum.js";
import { missingParts, partProgress, partRanges, partsToResend } from "./plan.js";
import { DEFAULT_MAX_PARTS_PER_REQUEST, partSigner, signBatchSize } from "./signer.js";

/** @typedef {import("../types.js").Backoff} Backoff */
/** @typedef {import("../types.js").Progress} Progress */
/** @typedef {import("../types.js").ResumeEntry} ResumeEntry */
/** @typedef {import("../types.js").ResumeStore} ResumeStore */
/** @typedef {import("../types.js").StoredPart} StoredPart */
/** @typedef {import("../types.js").UploadData} UploadData */
/** @typedef {import("./plan.js").PartRange} PartRange */

const DEFAULT_CONCURRENCY = 4;
/** Complete answered "parts missing" this many times in a row: give up. */
const MAX_COMPLETE_ROUNDS = 3;

/**
 * @typedef {object} MultipartContext
 * @property {string} [csrfToken]
 * @property {AbortSignal} [signal]
 * @property {number} retries
 * @property {number} completeRetries
 * @property {RequestInit} fetchOptions
 * @property {(progress: Progress) => void} [onProgress]
 * @property {number} [concurrency]
 * @property {number} [signBatchSize]
 * @property {Backoff} [backoff]
 * @property {ResumeStore|null} store
 * @property {string} key
 */

/**
 * Sends the parts storage does not hold, then completes; resends what complete says is missing.
 * @param {File|Blob} file
 * @param {ResumeEntry} entry
 * @param {StoredPart[]} stored
 * @param {MultipartContext} context
 * @returns {Promise<UploadData>}
 */
export async function runMultipart(file, entry, stored, context) {
  const { signal, store, key } = context;
  const ranges = partRanges(file.size, entry.partSize);
  if (ranges.length !== entry.partCount) {
    throw new UploadError(
      `The server planned ${entry.partCount} parts, but ${file.size} bytes in parts of ${entry.partSize} make ${ranges.length}.`,
      { phase: "create" },
    );
  }
  const progress = partProgress(file.size, context.onProgress);
  let missing = missingParts(ranges, stored);
  const todo = new Set(missing);
  for (const range of ranges) if (!todo.has(range.partNumber)) progress.set(range.partNumber, range.size, { quiet: true });
  progress.report();
  remember(store, key, entry);
  try {
    for (let round = 0; ; round += 1) {
      await sendParts(file, ranges, missing, entry, progress, context);
      try {
        const done = await completeUpload(entry.completeUrl, {
          csrfToken: context.csrfToken, signal, retries: context.completeRetries, fetchOptions: context.fetchOptions,
        });
        forget(store, key);
        return done;
      } catch (error) {
        const again = partsToResend(error)?.filter((number) => number <= ranges.length);
        if (again?.length && round < MAX_COMPLETE_ROUNDS) {
          for (const number of again) progress.set(number, 0);
          missing = again;
          continue;
        }
        // The upload failed its checks: there is nothing left to resume.
        if (error instanceof UploadError && error.status === 400) forget(store, key);
        throw error;
      }
    }
  } catch (error) {
    if (signal?.aborted) {
      forget(store, key);
      await abandon(entry.abortUrl, context);
    }
    throw error;
  }
}

/**
 * Sends `numbers` with `concurrency` parts in flight; the first failure stops the others.
 * @param {File|Blob} file
 * @param {PartRange[]} ranges
 * @param {number[]} numbers
 * @param {ResumeEntry} entry
 * @param {ReturnType<typeof partProgress>} progress
 * @param {MultipartContext} context
 */
async function sendParts(file, ranges, numbers, entry, progress, context) {
  if (!numbers.length) return;
  const { signal } = context;
  signal?.throwIfAborted();
  const concurrency = Math.max(1, Math.floor(context.concurrency ?? entry.concurrency ?? DEFAULT_CONCURRENCY));
  const queue = [...numbers];
  const inner = new AbortController();
  const onAbort = () => inner.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const batchSize = signBatchSize({
    concurrency, maxPartsPerRequest: entry.maxPartsPerRequest ?? DEFAULT_MAX_PARTS_PER_REQUEST, signBatchSize: context.signBatchSize,
  });
  const hasher = partHasher(file, ranges, entry.partChecksum);
  // With part checksums, a batch signs the parts hashed by the time its first one is: the
  // others are signed in a later batch, their hashing already under way.
  const signer = partSigner(queue, batchSize, concurrency, async (partNumbers) => {
    const { partNumbers: numbers, checksums } = hasher ? await hasher.ready(partNumbers) : { partNumbers, checksums: null };
    return signParts(entry.partsUrl, numbers, {
      csrfToken: context.csrfToken, signal: inner.signal, fetchOptions: context.fetchOptions, checksums,
    });
  });
  /** @type {unknown} */
  let failure;
  const worker = async () => {
    while (queue.length && !inner.signal.aborted) {
      const number = /** @type {number} */ (queue.shift());
      try {
        await sendPart(file, ranges[number - 1], signer, progress, { ...context, signal: inner.signal });
      } catch (error) {
        if (failure === undefined) {
          failure = error;
          inner.abort(error);
        }
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  signal?.throwIfAborted();
  if (failure !== undefined) throw failure;
}

/**
 * Sends one part, retrying network errors and 5xx; a 403 (an expired signature) is signed
 * again once.
 * @param {File|Blob} file
 * @param {PartRange} range
 * @param {ReturnType<typeof partSigner>} signer
 * @param {ReturnType<typeof partProgress>} progress
 * @param {MultipartContext & {signal: AbortSignal}} context
 */
async function sendPart(file, range, signer, progress, context) {
  const { partNumber } = range;
  const blob = file.slice(range.start, range.end);
  const { signal } = context;
  const attempt = async () => {
    const part = await signer.get(partNumber);
    try {
      await sendToStorage({ method: "PUT", url: part.url, headers: part.headers || {} }, blob, {
        signal, onProgress: ({ loaded }) => progress.set(partNumber, loaded),
      });
    } catch (error) {
      if (!signal.aborted) progress.set(partNumber, 0);
      throw error;
    }
    signer.forget(partNumber);
  };
  for (let resigned = false; ; resigned = true) {
    try {
      return await withRetries(attempt, { retries: context.retries, signal, backoff: context.backoff });
    } catch (error) {
      // Refused: most likely its signature expired while it waited. Sign it again, once.
      if (resigned || signal.aborted || !(error instanceof UploadError) || error.status !== 403) throw error;
      signer.forget(partNumber);
    }
  }
}

/**
 * Asks Django to discard the parts after a cancel; a failure here changes nothing for the
 * caller (cleanup_uploads aborts what is left behind).
 * @param {string} abortUrl
 * @param {MultipartContext} context
 */
async function abandon(abortUrl, context) {
  if (!abortUrl) return;
  try {
    await abortMultipart(abortUrl, { csrfToken: context.csrfToken, fetchOptions: context.fetchOptions });
  } catch {
    // nothing the caller can do
  }
}
