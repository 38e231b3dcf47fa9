// Resuming multipart uploads across page loads: a file's fingerprint, what is remembered of
// its unfinished upload (in localStorage unless told otherwise), whether a memory may still be
// used, which parts storage already holds, and the uploads running in this page.

import { UploadError } from "./errors.js";
import { absoluteUrl, completeUrlOf, listParts } from "./api.js";

/** @typedef {import("./types.js").UploadData} UploadData */
/** @typedef {import("./types.js").MultipartPlan} MultipartPlan */
/** @typedef {import("./types.js").ResumeEntry} ResumeEntry */
/** @typedef {import("./types.js").ResumeStore} ResumeStore */
/** @typedef {import("./types.js").StoredPart} StoredPart */

const RESUME_PREFIX = "s3-file-uploads:resume:";
const RESUME_VERSION = 1;
/** Remembered uploads older than this are not resumed (their signatures and rows are stale). */
const RESUME_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
/** Resume keys of the uploads running in this page, so one file is never resumed twice at once. */
const activeUploads = new Set();

/**
 * Identifies a file across page loads: the same name, size, modification time and type.
 * @param {File|Blob} file
 * @returns {string}
 */
export function fileFingerprint(file) {
  const named = /** @type {File} */ (file);
  return JSON.stringify([named.name ?? "", file.size, named.lastModified ?? 0, file.type ?? ""]);
}

/**
 * The resume store key of a file.
 * @param {File|Blob} file
 */
export function resumeKey(file) {
  return RESUME_PREFIX + fileFingerprint(file);
}

/**
 * What to remember of a multipart create reply.
 * @param {UploadData & {multipart: MultipartPlan}} created
 * @param {string} endpoint The create endpoint, absolute.
 * @param {number} size
 * @param {number} [now]
 * @returns {ResumeEntry}
 */
export function resumeEntry(created, endpoint, size, now = Date.now()) {
  const plan = created.multipart;
  return {
    version: RESUME_VERSION,
    endpoint,
    uploadId: created.id,
    completeUrl: completeUrlOf(created, endpoint),
    partsUrl: plan.parts_url,
    abortUrl: plan.abort_url,
    partSize: plan.part_size,
    partCount: plan.part_count,
    size,
    concurrency: plan.concurrency,
    maxPartsPerRequest: plan.max_parts_per_request,
    partChecksum: plan.part_checksum ?? null,
    savedAt: now,
  };
}

/**
 * A remembered upload that may resume this file's upload to this endpoint, or null.
 * @param {unknown} entry Parsed from the store.
 * @param {{endpoint: string, size: number, now?: number, maxAge?: number}} expected
 * @returns {ResumeEntry|null}
 */
export function usableResumeEntry(entry, { endpoint, size, now = Date.now(), maxAge = RESUME_MAX_AGE_MS }) {
  if (!entry || typeof entry !== "object") return null;
  const candidate = /** @type {ResumeEntry} */ (entry);
  if (candidate.version !== RESUME_VERSION || candidate.endpoint !== endpoint || candidate.size !== size) return null;
  if (!candidate.partsUrl || !candidate.completeUrl || !(candidate.partSize > 0)) return null;
  if (!(now - candidate.savedAt <= maxAge)) return null;
  return candidate;
}

/**
 * The remembered, unfinished multipart upload of this file to this endpoint, if any.
 * @param {File|Blob} file
 * @param {{endpoint: string, resumeStore?: ResumeStore|null}} options
 * @returns {ResumeEntry|null}
 */
export function pendingUpload(file, { endpoint, resumeStore }) {
  const store = resumeStoreOf({ resumeStore });
  if (!store) return null;
  return usableResumeEntry(readEntry(store, resumeKey(file)), { endpoint: absoluteUrl(endpoint), size: file.size });
}

/**
 * Where to remember uploads: nowhere with `resume: false`, else `resumeStore` when given,
 * else localStorage (null when the browser disables it).
 * @param {{resume?: boolean, resumeStore?: ResumeStore|null}} options
 * @returns {ResumeStore|null}
 */
export function resumeStoreOf({ resume, resumeStore }) {
  if (resume === false) return null;
  if (resumeStore !== undefined) return resumeStore;
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled by the browser's privacy settings
  }
}

/**
 * Claims a file's resume key for this page's upload: false when another upload of the same
 * file runs already (that one remembers and resumes it).
 * @param {string} key
 */
export function claimResume(key) {
  if (activeUploads.has(key)) return false;
  activeUploads.add(key);
  return true;
}

/** @param {string} key */
export function releaseResume(key) {
  activeUploads.delete(key);
}

/** @param {ResumeStore} store @param {string} key @returns {unknown} */
export function readEntry(store, key) {
  try {
    const text = store.getItem(key);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** @param {ResumeStore|null} store @param {string} key @param {ResumeEntry} entry */
export function remember(store, key, entry) {
  try {
    store?.setItem(key, JSON.stringify(entry));
  } catch {
    // full or disabled storage: the upload still works, it just cannot resume
  }
}

/** @param {ResumeStore|null} store @param {string} key */
export function forget(store, key) {
  try {
    store?.removeItem(key);
  } catch {
    // nothing to do
  }
}

/**
 * The parts storage holds for a remembered upload, or null when the upload is gone (completed,
 * aborted, failed, deleted, or another user's). The listing's plan updates the entry.
 * @param {ResumeEntry} entry
 * @param {{signal?: AbortSignal, fetchOptions?: RequestInit}} options
 * @returns {Promise<StoredPart[]|null>}
 */
export async function storedParts(entry, options) {
  try {
    const data = await listParts(entry.partsUrl, options);
    if (data?.part_size) entry.partSize = data.part_size;
    if (data?.part_count) entry.partCount = data.part_count;
    if (data && "part_checksum" in data) entry.partChecksum = data.part_checksum;
    return Array.isArray(data?.parts) ? data.parts : [];
  } catch (error) {
    if (error instanceof UploadError && [400, 401, 403, 404, 410].includes(error.status)) return null;
    throw error;
  }
}
