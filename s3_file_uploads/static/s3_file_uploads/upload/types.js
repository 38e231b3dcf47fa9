// The shapes the browser client reads and writes, as JSDoc types for editors and type checkers.
// Nothing here runs: the other modules name these types in their comments.

/**
 * One signed upload instruction, the same shape on every cloud.
 * @typedef {object} UploadInstruction
 * @property {"POST"|"PUT"} method
 * @property {string} url
 * @property {Record<string, string> | Array<[string, string]>} [fields] POST form fields, in order.
 * @property {Record<string, string>} [headers] Headers a PUT must send, exactly.
 * @property {string} [expires_at]
 */

/**
 * What Django says about one upload (create, complete and list replies).
 * @typedef {object} UploadData
 * @property {string} id
 * @property {string} filename
 * @property {string} file_key
 * @property {string} file URL that redirects to a short-lived download.
 * @property {string} file_path
 * @property {string} state NEW, AWAIT_COMPLETE, COMPLETED or FAILED.
 * @property {string} profile The upload profile the server held the upload to.
 * @property {string} backend
 * @property {string} content_type
 * @property {number|null} size
 * @property {number|null} max_size
 * @property {string} [status] On a complete reply: COMPLETED or FAILED.
 * @property {UploadInstruction} [upload] On a create reply.
 * @property {{url: string, fields: Record<string, string>}|null} [upload_form] On a create reply.
 * @property {string} [complete_url] On a create reply.
 * @property {MultipartPlan} [multipart] On a create reply that plans parts.
 */

/**
 * @typedef {object} Progress
 * @property {number} loaded Bytes of the file sent so far.
 * @property {number} total The file's size.
 */

/**
 * @typedef {object} UploadOptions
 * @property {string} endpoint The create endpoint, e.g. "/api/s3-file-uploads/".
 * @property {string} [csrfToken] Defaults to the "csrftoken" cookie.
 * @property {string} [profile] The upload profile to create in ("avatar"); the server's
 *   "default" when left out. Its limits are the server's: see the Profiles page of the docs.
 * @property {string} [acl] An ACL name the server allows ("private" unless configured).
 * @property {string} [fileKey] A name for the object; the server only sanitises it into the key.
 * @property {string} [contentType] Defaults to file.type; when both are empty the server guesses
 *   from the file name.
 * @property {(progress: Progress) => void} [onProgress]
 * @property {(created: UploadData) => void} [onCreated] Called with Django's create reply (its
 *   `id`) before any byte goes to storage, so a page can delete a cancelled upload; not called
 *   when a remembered multipart upload resumes (pendingUpload() gives its id).
 * @property {AbortSignal} [signal] Aborting rejects with the signal's reason (an AbortError).
 * @property {number} [retries] Storage retries on network errors and 5xx; 3 by default.
 *   For a multipart upload, each part has its own retries.
 * @property {Backoff} [backoff] Delays between retries, in ms.
 * @property {number} [completeRetries] Complete retries after a 503; 2 by default.
 * @property {RequestInit} [fetchOptions] Merged into every request to Django.
 * @property {boolean} [multipart] true asks for a multipart upload, false for a single one;
 *   left out, Django decides from the size (its MULTIPART_THRESHOLD).
 * @property {number} [multipartThreshold] Ask for multipart when the file is larger than this.
 * @property {number} [concurrency] Parts in flight at once; Django's plan says, else 4.
 * @property {number} [signBatchSize] Parts signed per request (at most the plan's maximum).
 * @property {boolean} [resume] Remember multipart uploads to resume them; true by default.
 * @property {ResumeStore|null} [resumeStore] Where to remember them; localStorage by default.
 */

/**
 * Delays between retries, in milliseconds.
 * @typedef {{baseDelay?: number, maxDelay?: number, random?: () => number}} Backoff
 */

/**
 * A multipart plan from a create reply.
 * @typedef {object} MultipartPlan
 * @property {number} part_size Bytes in every part but the last.
 * @property {number} part_count
 * @property {string} parts_url POST {"part_numbers": [...]} signs parts (or, with part checksums,
 *   {"parts": [{part_number, checksum}, ...]}); GET lists stored ones.
 * @property {string} abort_url
 * @property {number} [concurrency]
 * @property {number} [max_parts_per_request]
 * @property {string|null} [part_checksum] "sha256": each part is signed with its checksum.
 */

/**
 * One signed part upload.
 * @typedef {object} PartInstruction
 * @property {number} part_number
 * @property {"PUT"} method
 * @property {string} url
 * @property {number} size
 * @property {Record<string, string>} [headers]
 * @property {string} [expires_at]
 */

/**
 * A part storage already holds, as the parts listing gives it.
 * @typedef {{part_number: number, size: number}} StoredPart
 */

/**
 * What is remembered of an unfinished multipart upload, to resume it.
 * @typedef {object} ResumeEntry
 * @property {number} version
 * @property {string} endpoint The create endpoint, absolute.
 * @property {string} uploadId
 * @property {string} completeUrl
 * @property {string} partsUrl
 * @property {string} abortUrl
 * @property {number} partSize
 * @property {number} partCount
 * @property {number} size
 * @property {number} [concurrency]
 * @property {number} [maxPartsPerRequest]
 * @property {string|null} [partChecksum] The plan's `part_checksum`: each part is signed with it.
 * @property {number} savedAt Milliseconds since the epoch.
 */

/**
 * Anything with localStorage's getItem/setItem/removeItem.
 * @typedef {{getItem(key: string): string|null, setItem(key: string, value: string): void,
 *            removeItem(key: string): void}} ResumeStore
 */

/**
 * What every request to Django may carry.
 * @typedef {{csrfToken?: string, signal?: AbortSignal, fetchOptions?: RequestInit}} DjangoOptions
 */

export {};
