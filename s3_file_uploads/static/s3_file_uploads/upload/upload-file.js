// One upload from start to end: resume a remembered multipart upload of this file, or create
// one; then send a single upload (retried as a whole) or hand a multipart plan to the runner;
// then complete.

import {
  DEFAULT_COMPLETE_RETRIES, absoluteUrl, completeUpload, completeUrlOf, createUpload, instructionOf,
} from "./api.js";
import { multipartChoice } from "./multipart/plan.js";
import { runMultipart } from "./multipart/runner.js";
import {
  claimResume, forget, readEntry, releaseResume, resumeEntry, resumeKey, resumeStoreOf, storedParts, usableResumeEntry,
} from "./resume.js";
import { DEFAULT_RETRIES, withRetries } from "./retry.js";
import { sendToStorage } from "./transport.js";

/** @typedef {import("./types.js").UploadData} UploadData */
/** @typedef {import("./types.js").UploadOptions} UploadOptions */
/** @typedef {import("./multipart/runner.js").MultipartContext} MultipartContext */

/**
 * The create request's JSON body for `file`.
 * @param {File|Blob} file
 * @param {UploadOptions} options
 * @returns {Record<string, unknown>}
 */
function createRequest(file, options) {
  /** @type {Record<string, unknown>} */
  const request = { filename: /** @type {File} */ (file).name ?? "", size: file.size };
  // Without a type of its own, the server guesses one from the file name.
  const contentType = options.contentType || file.type;
  if (contentType) request.content_type = contentType;
  if (options.profile) request.profile = options.profile;
  if (options.acl) request.acl = options.acl;
  if (options.fileKey) request.file_key = options.fileKey;
  const multipart = multipartChoice(file.size, options);
  if (multipart !== undefined) request.multipart = multipart;
  return request;
}

/**
 * Uploads one file: create, send to storage, complete. Resolves with the completed upload.
 *
 * A multipart upload is remembered (see UploadOptions.resume) until it completes, fails for
 * good or is cancelled; calling uploadFile again with the same file resumes it.
 * @param {File|Blob} file
 * @param {UploadOptions} options
 * @returns {Promise<UploadData>}
 */
export async function uploadFile(file, options) {
  const {
    endpoint,
    csrfToken,
    onProgress,
    signal,
    retries = DEFAULT_RETRIES,
    completeRetries = DEFAULT_COMPLETE_RETRIES,
    fetchOptions = {},
    backoff,
  } = options || /** @type {UploadOptions} */ ({});
  if (!endpoint) throw new TypeError("uploadFile needs options.endpoint, the create URL.");
  signal?.throwIfAborted();
  const base = absoluteUrl(endpoint);
  const store = resumeStoreOf(options);
  const key = resumeKey(file);
  // Two calls with the same file at once: only the first remembers and resumes it.
  const owned = Boolean(store) && claimResume(key);
  /** @type {MultipartContext} */
  const context = {
    csrfToken, signal, retries, completeRetries, fetchOptions, onProgress, backoff,
    concurrency: options.concurrency, signBatchSize: options.signBatchSize,
    store: owned ? store : null,
    key,
  };
  try {
    if (context.store) {
      const entry = usableResumeEntry(readEntry(context.store, key), { endpoint: base, size: file.size });
      const stored = entry && (await storedParts(entry, context));
      if (entry && stored) return await runMultipart(file, entry, stored, context);
      forget(context.store, key);
    }

    const created = await createUpload(endpoint, createRequest(file, options), { csrfToken, signal, fetchOptions });
    options.onCreated?.(created);
    if (created.multipart) return await runMultipart(file, resumeEntry(created, base, file.size), [], context);

    const instruction = instructionOf(created);
    await withRetries(() => sendToStorage(instruction, file, { onProgress, signal }), { retries, signal, backoff });
    return await completeUpload(completeUrlOf(created, base), { csrfToken, signal, retries: completeRetries, fetchOptions });
  } finally {
    if (owned) releaseResume(key);
  }
}
