// django-s3-file-upload's browser client: a dependency-free ES module.
//
//   import { uploadFile } from "/static/s3_file_uploads/upload.js";
//   const upload = await uploadFile(file, {
//     endpoint: "/api/s3-file-uploads/",
//     onProgress: ({ loaded, total }) => { bar.value = loaded / total; },
//   });
//
// Django creates the upload and signs one instruction; the file goes straight to storage
// (S3, GCS, Azure or Django's own local backend) as the instruction says; Django then checks
// what arrived. The same code works with every backend because it follows the instruction
// generically: POST is a multipart form (fields in order, the file last), PUT is the raw body.
//
// Large files: when Django answers with a multipart plan (it decides from the declared size,
// or the caller asks with `multipart: true`), the file goes in parts, several at a time, each
// a PUT of one `file.slice()` signed in batches. A failed part is retried on its own. The
// upload is remembered in localStorage under the file's fingerprint, so calling uploadFile
// again with the same file (after a reload, a crash, a lost connection) sends only the parts
// storage does not hold yet.

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
 * @property {string} backend
 * @property {string} content_type
 * @property {number|null} size
 * @property {number|null} max_size
 * @property {string} [status] On a complete reply: COMPLETED or FAILED.
 * @property {UploadInstruction} [upload] On a create reply.
 * @property {{url: string, fields: Record<string, string>}|null} [upload_form] On a create reply.
 * @property {string} [complete_url] On a create reply.
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
 * @property {{baseDelay?: number, maxDelay?: number}} [backoff] Delays between retries, in ms.
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
 * A multipart plan from a create reply.
 * @typedef {object} MultipartPlan
 * @property {number} part_size Bytes in every part but the last.
 * @property {number} part_count
 * @property {string} parts_url POST {"part_numbers": [...]} signs parts; GET lists stored ones.
 * @property {string} abort_url
 * @property {number} [concurrency]
 * @property {number} [max_parts_per_request]
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
 * @property {number} savedAt Milliseconds since the epoch.
 */

/**
 * Anything with localStorage's getItem/setItem/removeItem.
 * @typedef {{getItem(key: string): string|null, setItem(key: string, value: string): void,
 *            removeItem(key: string): void}} ResumeStore
 */

const DEFAULT_RETRIES = 3;
const DEFAULT_COMPLETE_RETRIES = 2;
const DEFAULT_CONCURRENCY = 4;
const DEFAULT_MAX_PARTS_PER_REQUEST = 100;
/** Parts signed per request when nothing says: enough to keep every worker busy for a while. */
const SIGN_AHEAD_PER_WORKER = 4;
/** Complete answered "parts missing" this many times in a row: give up. */
const MAX_COMPLETE_ROUNDS = 3;
/** Remembered uploads older than this are not resumed (their signatures and rows are stale). */
const RESUME_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const RESUME_PREFIX = "s3-file-uploads:resume:";
const RESUME_VERSION = 1;
/** Resume keys of the uploads running in this page, so one file is never resumed twice at once. */
const activeUploads = new Set();
/** Longest wait a Retry-After may impose, in milliseconds. */
const MAX_RETRY_AFTER_MS = 30_000;
const MAX_MESSAGE_LENGTH = 500;

/** An upload that failed: `status` is the HTTP status (0 for a network error). */
export class UploadError extends Error {
  /**
   * @param {string} message What went wrong, in the server's words when it gave any.
   * @param {object} [details]
   * @param {number} [details.status]
   * @param {string} [details.code] A storage error code such as "EntityTooLarge".
   * @param {"create"|"storage"|"complete"|"request"} [details.phase]
   * @param {unknown} [details.body] The parsed reply (JSON) or its text.
   * @param {string|null} [details.retryAfter] The reply's Retry-After header.
   * @param {unknown} [details.cause]
   */
  constructor(message, { status = 0, code, phase, body, retryAfter, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "UploadError";
    /** @type {number} */
    this.status = status;
    /** @type {string|undefined} */
    this.code = code;
    /** @type {string|undefined} */
    this.phase = phase;
    /** @type {unknown} */
    this.body = body;
    /** @type {string|null|undefined} */
    this.retryAfter = retryAfter;
  }
}

// ---------------------------------------------------------------------------------------------
// Pure helpers, exported for tests and for projects that drive their own requests.

/**
 * The form fields of a POST instruction in the order they must be sent.
 * @param {UploadInstruction["fields"]} fields
 * @returns {Array<[string, string]>}
 */
export function formFieldEntries(fields) {
  if (!fields) return [];
  const entries = Array.isArray(fields) ? fields : Object.entries(fields);
  return entries
    .filter(([name]) => name !== "file")
    .map(([name, value]) => [String(name), String(value)]);
}

/**
 * The multipart body of a POST instruction: every field in order, then the file as "file".
 * @param {UploadInstruction["fields"]} fields
 * @param {Blob} file
 * @param {string} [filename]
 * @returns {FormData}
 */
export function buildFormData(fields, file, filename) {
  const form = new FormData();
  for (const [name, value] of formFieldEntries(fields)) form.append(name, value);
  const name = filename ?? /** @type {File} */ (file).name;
  if (name === undefined) form.append("file", file);
  else form.append("file", file, name);
  return form;
}

/**
 * The headers a PUT sends: exactly the instruction's.
 * @param {UploadInstruction["headers"]} headers
 * @returns {Array<[string, string]>}
 */
export function putHeaderEntries(headers) {
  return Object.entries(headers || {}).map(([name, value]) => [name, String(value)]);
}

const XML_ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** @param {string} text */
function decodeXml(text) {
  return text
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, "$1")
    .replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (entity, name) => {
      if (name[0] !== "#") return XML_ENTITIES[/** @type {keyof XML_ENTITIES} */ (name.toLowerCase())];
      const code = name[1].toLowerCase() === "x" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : entity;
    });
}

/**
 * The `<Code>` and `<Message>` of a storage XML error (S3, GCS and Azure all answer so).
 * Azure appends "RequestId:..." and "Time:..." lines to its message; they are dropped.
 * @param {string} text
 * @returns {{code?: string, message?: string}}
 */
export function parseXmlError(text) {
  /** @param {string} tag */
  const element = (tag) => {
    const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(text);
    return match ? decodeXml(match[1]).trim() : undefined;
  };
  let message = element("Message");
  if (message) {
    message = message
      .split(/\r?\n/)
      .filter((line) => !/^(RequestId|Time):/.test(line.trim()))
      .join(" ")
      .trim();
  }
  return { code: element("Code"), message: message || undefined };
}

/**
 * The message of a DRF error body: `{"detail": "..."}`, `{"field": ["msg", ...]}`,
 * `["msg"]`, or nested serializer errors. Field messages are prefixed with their field,
 * except `non_field_errors`.
 * @param {unknown} body
 * @returns {string|undefined}
 */
export function messageFromJson(body) {
  if (body == null) return undefined;
  if (typeof body === "string") return body.trim() || undefined;
  if (Array.isArray(body)) {
    const parts = body.map(messageFromJson).filter(Boolean);
    return parts.length ? parts.join(" ") : undefined;
  }
  if (typeof body !== "object") return String(body);
  const record = /** @type {Record<string, unknown>} */ (body);
  if (typeof record.detail === "string" && record.detail.trim()) return record.detail.trim();
  const parts = [];
  for (const [field, value] of Object.entries(record)) {
    if (field === "status" || field === "code") continue;
    const text = messageFromJson(value);
    if (!text) continue;
    parts.push(field === "non_field_errors" || field === "detail" ? text : `${field}: ${text}`);
  }
  return parts.length ? parts.join(" ") : undefined;
}

/**
 * A person-readable message from any error reply: DRF JSON, storage XML, or short plain text.
 * @param {number} status
 * @param {string} text The reply body.
 * @param {string|null} [contentType]
 * @returns {{message: string, code?: string, body?: unknown}}
 */
export function extractErrorMessage(status, text, contentType) {
  const type = (contentType || "").toLowerCase();
  const trimmed = (text || "").trim();
  const fallback = status ? `The server answered ${status}.` : "The network request failed.";
  if (type.includes("json") || /^[[{]/.test(trimmed)) {
    try {
      const body = JSON.parse(trimmed);
      return { message: clip(messageFromJson(body) || fallback), body };
    } catch {
      // not JSON after all: try the other shapes
    }
  }
  if (type.includes("xml") || trimmed.startsWith("<?xml") || /<Error>/.test(trimmed)) {
    const { code, message } = parseXmlError(trimmed);
    if (message || code) return { message: clip(message || code || fallback), code, body: trimmed };
  }
  if (trimmed && !type.includes("html") && !/^<(!doctype|html)/i.test(trimmed)) {
    return { message: clip(trimmed), body: trimmed };
  }
  return { message: fallback, body: trimmed || undefined };
}

/** @param {string} text */
function clip(text) {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}

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
 * @param {{baseDelay?: number, maxDelay?: number, random?: () => number}} [options]
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, { baseDelay = 500, maxDelay = 10_000, random = Math.random } = {}) {
  const ceiling = Math.min(maxDelay, baseDelay * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Every delay of `retries` retries, in order.
 * @param {number} retries
 * @param {Parameters<typeof backoffDelay>[1]} [options]
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
 * The value of one cookie from a `document.cookie` string.
 * @param {string} cookies
 * @param {string} name
 * @returns {string|undefined}
 */
export function readCookie(cookies, name) {
  for (const part of (cookies || "").split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return undefined;
}

/**
 * The instruction of a create reply; falls back to `upload_form` from servers before 1.0.
 * @param {UploadData} created
 * @returns {UploadInstruction}
 */
export function instructionOf(created) {
  if (created.upload && created.upload.url) return created.upload;
  if (created.upload_form && created.upload_form.url) {
    return { method: "POST", url: created.upload_form.url, fields: created.upload_form.fields, headers: {} };
  }
  throw new UploadError("The server's reply has no upload instruction.", { status: 201, phase: "create", body: created });
}

// ---------------------------------------------------------------------------------------------
// Multipart: pure helpers.

/**
 * Whether to ask for a multipart upload: the value of the create request's `multipart`, or
 * undefined to let Django decide from the size.
 * @param {number} size
 * @param {{multipart?: boolean, multipartThreshold?: number}} [options]
 * @returns {boolean|undefined}
 */
export function multipartChoice(size, { multipart, multipartThreshold } = {}) {
  if (multipart === true || multipart === false) return multipart;
  if (multipartThreshold != null && size > multipartThreshold) return true;
  return undefined;
}

/**
 * The byte range of every part: every part has `partSize` bytes but the last.
 * @param {number} size
 * @param {number} partSize
 * @returns {Array<{partNumber: number, start: number, end: number, size: number}>}
 */
export function partRanges(size, partSize) {
  if (!(partSize > 0)) throw new RangeError(`A part size must be positive, not ${partSize}.`);
  const ranges = [];
  for (let start = 0, partNumber = 1; start < size; start += partSize, partNumber += 1) {
    const end = Math.min(size, start + partSize);
    ranges.push({ partNumber, start, end, size: end - start });
  }
  return ranges;
}

/**
 * The part numbers still to send: those not stored, or stored at another length.
 * @param {Array<{partNumber: number, size: number}>} ranges
 * @param {Array<{part_number: number, size: number}>} stored As the parts listing gives them.
 * @returns {number[]}
 */
export function missingParts(ranges, stored) {
  const held = new Map((stored || []).map((part) => [Number(part.part_number), Number(part.size)]));
  return ranges.filter((range) => held.get(range.partNumber) !== range.size).map((range) => range.partNumber);
}

/**
 * The parts to sign together when `partNumber` needs a signature: it, then the next parts in
 * `queue` that are neither signed nor being signed, `size` at most.
 * @param {number} partNumber
 * @param {Iterable<number>} queue The parts still to send, in order.
 * @param {number} size
 * @param {(partNumber: number) => boolean} [taken] Whether a part is signed or being signed.
 * @returns {number[]}
 */
export function nextSignBatch(partNumber, queue, size, taken = () => false) {
  const batch = [partNumber];
  for (const number of queue) {
    if (batch.length >= size) break;
    if (number !== partNumber && !taken(number) && !batch.includes(number)) batch.push(number);
  }
  return batch;
}

/**
 * The parts to sign ahead, in the background, so that workers never wait for a signature:
 * none while `ahead` parts at the front of `queue` are signed or being signed, else the next
 * unsigned ones, `size` at most.
 * @param {Iterable<number>} queue The parts still to send, in order.
 * @param {number} size
 * @param {number} ahead
 * @param {(partNumber: number) => boolean} taken Whether a part is signed or being signed.
 * @returns {number[]}
 */
export function signAheadBatch(queue, size, ahead, taken) {
  let ready = 0;
  const batch = [];
  for (const number of queue) {
    if (taken(number)) {
      ready += 1;
      if (ready >= ahead) return [];
    } else {
      batch.push(number);
      if (batch.length >= size) break;
    }
  }
  return batch;
}

/**
 * How many parts to sign per request: enough to keep `concurrency` workers busy, within the
 * server's maximum. Signing far ahead risks signatures expiring before their part is sent.
 * @param {{concurrency: number, maxPartsPerRequest?: number, signBatchSize?: number}} options
 */
export function signBatchSize({ concurrency, maxPartsPerRequest = DEFAULT_MAX_PARTS_PER_REQUEST, signBatchSize }) {
  const wanted = signBatchSize ?? Math.max(8, concurrency * SIGN_AHEAD_PER_WORKER);
  return Math.max(1, Math.min(maxPartsPerRequest, wanted));
}

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
    completeUrl: created.complete_url || new URL(`${created.id}/complete/`, endpoint).href,
    partsUrl: plan.parts_url,
    abortUrl: plan.abort_url,
    partSize: plan.part_size,
    partCount: plan.part_count,
    size,
    concurrency: plan.concurrency,
    maxPartsPerRequest: plan.max_parts_per_request,
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
 * Progress across parts: the sum of every part's loaded bytes, reported never backwards
 * (a retried part starts again from zero without moving the bar back) and once per change.
 * @param {number} total
 * @param {(progress: Progress) => void} [onProgress]
 */
export function partProgress(total, onProgress) {
  /** @type {Map<number, number>} */
  const loaded = new Map();
  let sum = 0;
  let reported = -1;
  const report = () => {
    const value = Math.min(total, Math.max(reported, sum));
    if (value === reported) return;
    reported = value;
    onProgress?.({ loaded: value, total });
  };
  return {
    /**
     * @param {number} partNumber
     * @param {number} bytes Bytes of this part sent so far.
     * @param {{quiet?: boolean}} [options] quiet: count without reporting.
     */
    set(partNumber, bytes, { quiet = false } = {}) {
      sum += bytes - (loaded.get(partNumber) ?? 0);
      loaded.set(partNumber, bytes);
      if (!quiet) report();
    },
    report,
    get loaded() {
      return sum;
    },
  };
}

/**
 * Runs `attempt` until it succeeds, it throws an error that is not retryable, or `retries`
 * retries were spent, sleeping `backoffDelay` between tries.
 * @template T
 * @param {(try_: number) => Promise<T>} attempt
 * @param {{retries?: number, signal?: AbortSignal, sleep?: (ms: number, signal?: AbortSignal) => Promise<void>,
 *          shouldRetry?: (error: unknown) => boolean, backoff?: Parameters<typeof backoffDelay>[1]}} [options]
 * @returns {Promise<T>}
 */
export async function withRetries(attempt, { retries = DEFAULT_RETRIES, signal, sleep = abortableSleep, shouldRetry, backoff } = {}) {
  const retryable = shouldRetry ?? ((error) => error instanceof UploadError && isRetryable(error.status));
  for (let try_ = 0; ; try_ += 1) {
    signal?.throwIfAborted();
    try {
      return await attempt(try_);
    } catch (error) {
      if (try_ >= retries || signal?.aborted || !retryable(error)) throw error;
    }
    await sleep(backoffDelay(try_, backoff), signal);
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

// ---------------------------------------------------------------------------------------------
// Requests.

/**
 * Sends the file as the instruction says, with XMLHttpRequest for upload progress.
 * Resolves on any 2xx; rejects with UploadError (status 0 on network errors) or the abort reason.
 * @param {UploadInstruction} instruction
 * @param {Blob} file
 * @param {{onProgress?: (progress: Progress) => void, signal?: AbortSignal}} [options]
 * @returns {Promise<{status: number, headers: string, body: string}>}
 */
export function sendToStorage(instruction, file, { onProgress, signal } = {}) {
  if (typeof XMLHttpRequest === "undefined") return sendWithFetch(instruction, file, { onProgress, signal });
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const method = String(instruction.method || "POST").toUpperCase();
    const xhr = new XMLHttpRequest();
    xhr.open(method, instruction.url, true);
    const total = file.size;
    let body;
    if (method === "POST") {
      body = buildFormData(instruction.fields, file);
    } else {
      const headers = putHeaderEntries(instruction.headers);
      for (const [name, value] of headers) xhr.setRequestHeader(name, value);
      body = putBody(file, headers);
    }
    let reported = -1;
    /** @param {number} loaded */
    const report = (loaded) => {
      if (!onProgress || loaded === reported) return;
      reported = loaded;
      onProgress({ loaded, total });
    };
    xhr.upload.onprogress = (event) => {
      // A POST's body is the form, a little larger than the file: scale to the file's bytes.
      const loaded = event.lengthComputable && event.total > 0
        ? Math.min(total, Math.round((event.loaded / event.total) * total))
        : Math.min(total, event.loaded);
      if (loaded < total) report(loaded);
    };
    const onAbort = () => xhr.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const settle = () => signal?.removeEventListener("abort", onAbort);
    xhr.onload = () => {
      settle();
      if (xhr.status >= 200 && xhr.status < 300) {
        report(total);
        resolve({ status: xhr.status, headers: xhr.getAllResponseHeaders(), body: xhr.responseText });
        return;
      }
      const { message, code, body: parsed } = extractErrorMessage(
        xhr.status, xhr.responseText, xhr.getResponseHeader("Content-Type"),
      );
      reject(new UploadError(message, { status: xhr.status, code, phase: "storage", body: parsed }));
    };
    xhr.onerror = () => {
      settle();
      reject(new UploadError("The file could not be sent to storage: the network request failed.", { status: 0, phase: "storage" }));
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      settle();
      reject(signal?.reason ?? new DOMException("The upload was aborted.", "AbortError"));
    };
    report(0);
    xhr.send(body);
  });
}

/**
 * The body of a PUT: exactly the instruction's headers go out, so without a signed
 * Content-Type a typed Blob must not add one of its own.
 * @param {Blob} file
 * @param {Array<[string, string]>} headers
 */
function putBody(file, headers) {
  const hasType = headers.some(([name]) => name.toLowerCase() === "content-type");
  return hasType || !file.type ? file : file.slice(0, file.size, "");
}

/**
 * sendToStorage where there is no XMLHttpRequest (workers, Node): fetch, with progress only
 * at the start and the end.
 * @param {UploadInstruction} instruction
 * @param {Blob} file
 * @param {{onProgress?: (progress: Progress) => void, signal?: AbortSignal}} [options]
 * @returns {Promise<{status: number, headers: string, body: string}>}
 */
async function sendWithFetch(instruction, file, { onProgress, signal } = {}) {
  signal?.throwIfAborted();
  const method = String(instruction.method || "POST").toUpperCase();
  const headers = method === "POST" ? [] : putHeaderEntries(instruction.headers);
  const body = method === "POST" ? buildFormData(instruction.fields, file) : putBody(file, headers);
  onProgress?.({ loaded: 0, total: file.size });
  let response;
  try {
    response = await fetch(instruction.url, { method, headers, body, signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new UploadError("The file could not be sent to storage: the network request failed.", { status: 0, phase: "storage", cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    const { message, code, body: parsed } = extractErrorMessage(response.status, text, response.headers.get("Content-Type"));
    throw new UploadError(message, { status: response.status, code, phase: "storage", body: parsed });
  }
  onProgress?.({ loaded: file.size, total: file.size });
  const headerText = [...response.headers].map(([name, value]) => `${name}: ${value}`).join("\r\n");
  return { status: response.status, headers: headerText, body: text };
}

/**
 * A JSON request to Django with the CSRF header and same-origin credentials; parsed JSON back.
 * @param {string} url
 * @param {RequestInit & {csrfToken?: string, phase?: string, json?: unknown}} init
 * @returns {Promise<{data: any, response: Response}>}
 */
export async function requestJson(url, { csrfToken, phase = "request", json, ...init } = {}) {
  const headers = new Headers(init.headers);
  headers.set("Accept", "application/json");
  const method = (init.method || "GET").toUpperCase();
  if (!["GET", "HEAD", "OPTIONS"].includes(method)) {
    const token = csrfToken ?? (typeof document !== "undefined" ? readCookie(document.cookie, "csrftoken") : undefined);
    if (token && !headers.has("X-CSRFToken")) headers.set("X-CSRFToken", token);
  }
  let body = init.body;
  if (json !== undefined) {
    body = JSON.stringify(json);
    headers.set("Content-Type", "application/json");
  }
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...init, method, headers, body });
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    throw new UploadError("The server could not be reached: the network request failed.", { status: 0, phase: /** @type {any} */ (phase), cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    const { message, code, body: parsed } = extractErrorMessage(response.status, text, response.headers.get("Content-Type"));
    throw new UploadError(message, {
      status: response.status, code, phase: /** @type {any} */ (phase), body: parsed,
      retryAfter: response.headers.get("Retry-After"),
    });
  }
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new UploadError("The server's reply was not JSON.", { status: response.status, phase: /** @type {any} */ (phase), body: text, cause: error });
    }
  }
  return { data, response };
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
    acl,
    fileKey,
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
  const store = options.resume === false ? null : options.resumeStore !== undefined ? options.resumeStore : defaultResumeStore();
  const key = resumeKey(file);
  // Two calls with the same file at once: only the first remembers and resumes it.
  const owned = Boolean(store) && !activeUploads.has(key);
  if (owned) activeUploads.add(key);
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
      const stored = entry && (await storedPartsOf(entry, context));
      if (entry && stored) return await runMultipart(file, entry, stored, context);
      forget(context.store, key);
    }

    /** @type {Record<string, unknown>} */
    const request = { filename: /** @type {File} */ (file).name ?? "", size: file.size };
    // Without a type of its own, the server guesses one from the file name.
    const contentType = options.contentType || file.type;
    if (contentType) request.content_type = contentType;
    if (acl) request.acl = acl;
    if (fileKey) request.file_key = fileKey;
    const multipart = multipartChoice(file.size, options);
    if (multipart !== undefined) request.multipart = multipart;
    const { data: created } = await requestJson(endpoint, {
      ...fetchOptions, method: "POST", json: request, csrfToken, signal, phase: "create",
    });
    options.onCreated?.(created);
    if (created.multipart) return await runMultipart(file, resumeEntry(created, base, file.size), [], context);

    const instruction = instructionOf(created);
    await withRetries(() => sendToStorage(instruction, file, { onProgress, signal }), { retries, signal, backoff });

    const completeUrl = created.complete_url || new URL(`${created.id}/complete/`, base).href;
    return await completeUpload(completeUrl, { csrfToken, signal, retries: completeRetries, fetchOptions });
  } finally {
    if (owned) activeUploads.delete(key);
  }
}

/**
 * The remembered, unfinished multipart upload of this file to this endpoint, if any.
 * @param {File|Blob} file
 * @param {{endpoint: string, resumeStore?: ResumeStore|null}} options
 * @returns {ResumeEntry|null}
 */
export function pendingUpload(file, { endpoint, resumeStore }) {
  const store = resumeStore !== undefined ? resumeStore : defaultResumeStore();
  if (!store) return null;
  return usableResumeEntry(readEntry(store, resumeKey(file)), { endpoint: absoluteUrl(endpoint), size: file.size });
}

/**
 * Asks Django to check the stored object; retries after a 503's Retry-After.
 * @param {string} completeUrl
 * @param {{csrfToken?: string, signal?: AbortSignal, retries?: number, fetchOptions?: RequestInit}} [options]
 * @returns {Promise<UploadData>}
 */
export async function completeUpload(completeUrl, { csrfToken, signal, retries = DEFAULT_COMPLETE_RETRIES, fetchOptions = {} } = {}) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const { data } = await requestJson(completeUrl, { ...fetchOptions, method: "POST", csrfToken, signal, phase: "complete" });
      return data;
    } catch (error) {
      if (!(error instanceof UploadError) || error.status !== 503 || attempt >= retries) throw error;
      await abortableSleep(retryAfterMs(error.retryAfter), signal);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Multipart: sending parts.

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
 * @property {{baseDelay?: number, maxDelay?: number}} [backoff]
 * @property {ResumeStore|null} store
 * @property {string} key
 */

/**
 * Sends the parts storage does not hold, then completes; resends what complete says is missing.
 * @param {File|Blob} file
 * @param {ResumeEntry} entry
 * @param {Array<{part_number: number, size: number}>} stored
 * @param {MultipartContext} context
 * @returns {Promise<UploadData>}
 */
async function runMultipart(file, entry, stored, context) {
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
      await abortMultipart(entry.abortUrl, context);
    }
    throw error;
  }
}

/**
 * Sends `numbers` with `concurrency` parts in flight; the first failure stops the others.
 * @param {File|Blob} file
 * @param {ReturnType<typeof partRanges>} ranges
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
  const signer = partSigner(queue, batchSize, concurrency, (partNumbers) =>
    requestJson(entry.partsUrl, {
      ...context.fetchOptions, method: "POST", json: { part_numbers: partNumbers },
      csrfToken: context.csrfToken, signal: inner.signal, phase: "request",
    }).then(({ data }) => /** @type {PartInstruction[]} */ (data?.parts ?? [])),
  );
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
 * Sends one part, retrying network errors and 5xx with backoff; a 403 (an expired signature)
 * is signed again once.
 * @param {File|Blob} file
 * @param {{partNumber: number, start: number, end: number}} range
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
 * Signs parts on demand, in batches: asking for one part signs it with the next ones in the
 * queue that are not signed yet, so workers share few requests; and while a worker takes its
 * part, the next batch is signed in the background once fewer than `ahead` are ready.
 * @param {number[]} queue The parts still to send, in order (shared with the workers).
 * @param {number} batchSize
 * @param {number} ahead
 * @param {(partNumbers: number[]) => Promise<PartInstruction[]>} sign
 */
function partSigner(queue, batchSize, ahead, sign) {
  /** @type {Map<number, PartInstruction>} */
  const signed = new Map();
  /** @type {Map<number, Promise<void>>} */
  const pending = new Map();
  /** @param {number} number */
  const taken = (number) => signed.has(number) || pending.has(number);
  /** @param {number[]} numbers */
  const start = (numbers) => {
    const batch = sign(numbers)
      .then((parts) => {
        for (const part of parts) signed.set(Number(part.part_number), part);
      })
      .finally(() => {
        for (const number of numbers) pending.delete(number);
      });
    // A background batch that fails is signed again by the worker that needs it.
    batch.catch(() => {});
    for (const number of numbers) pending.set(number, batch);
  };
  return {
    /** @param {number} partNumber @returns {Promise<PartInstruction>} */
    async get(partNumber) {
      if (!taken(partNumber)) start(nextSignBatch(partNumber, queue, batchSize, taken));
      const next = signAheadBatch(queue, batchSize, ahead, taken);
      if (next.length) start(next);
      await pending.get(partNumber);
      const part = signed.get(partNumber);
      if (!part) throw new UploadError(`The server did not sign part ${partNumber}.`, { status: 502, phase: "request" });
      return part;
    },
    /** @param {number} partNumber */
    forget(partNumber) {
      signed.delete(partNumber);
    },
  };
}

/**
 * The parts storage holds for a remembered upload, or null when the upload is gone (completed,
 * aborted, failed, deleted, or another user's).
 * @param {ResumeEntry} entry
 * @param {MultipartContext} context
 * @returns {Promise<Array<{part_number: number, size: number}>|null>}
 */
async function storedPartsOf(entry, context) {
  try {
    const { data } = await requestJson(entry.partsUrl, {
      ...context.fetchOptions, method: "GET", signal: context.signal, phase: "request",
    });
    if (data?.part_size) entry.partSize = data.part_size;
    if (data?.part_count) entry.partCount = data.part_count;
    return Array.isArray(data?.parts) ? data.parts : [];
  } catch (error) {
    if (error instanceof UploadError && [400, 401, 403, 404, 410].includes(error.status)) return null;
    throw error;
  }
}

/**
 * The parts a complete's 409 says to send again, or null when it says nothing of parts.
 * @param {unknown} error
 * @returns {number[]|null}
 */
export function partsToResend(error) {
  if (!(error instanceof UploadError) || error.status !== 409) return null;
  const body = /** @type {{missing_parts?: unknown, wrong_size_parts?: unknown}} */ (error.body);
  if (!body || typeof body !== "object") return null;
  const numbers = [body.missing_parts, body.wrong_size_parts].flatMap((list) => (Array.isArray(list) ? list : []));
  const unique = [...new Set(numbers.map(Number).filter((n) => Number.isInteger(n) && n > 0))].sort((a, b) => a - b);
  return unique.length ? unique : null;
}

/**
 * Tells Django to discard the parts; a failure here changes nothing for the caller.
 * @param {string} abortUrl
 * @param {MultipartContext} context
 */
async function abortMultipart(abortUrl, context) {
  if (!abortUrl) return;
  try {
    await requestJson(abortUrl, { ...context.fetchOptions, method: "POST", csrfToken: context.csrfToken, phase: "request" });
  } catch {
    // cleanup_uploads aborts what is left behind
  }
}

/** @returns {ResumeStore|null} */
function defaultResumeStore() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled by the browser's privacy settings
  }
}

/** @param {ResumeStore} store @param {string} key @returns {unknown} */
function readEntry(store, key) {
  try {
    const text = store.getItem(key);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** @param {ResumeStore|null} store @param {string} key @param {ResumeEntry} entry */
function remember(store, key, entry) {
  try {
    store?.setItem(key, JSON.stringify(entry));
  } catch {
    // full or disabled storage: the upload still works, it just cannot resume
  }
}

/** @param {ResumeStore|null} store @param {string} key */
function forget(store, key) {
  try {
    store?.removeItem(key);
  } catch {
    // nothing to do
  }
}

/** @param {string} url */
function absoluteUrl(url) {
  try {
    return new URL(url, globalThis.location?.href).href;
  } catch {
    return url;
  }
}

/**
 * The current user's uploads, newest first.
 * @param {string} endpoint
 * @param {{signal?: AbortSignal, fetchOptions?: RequestInit}} [options]
 * @returns {Promise<UploadData[]>}
 */
export async function listUploads(endpoint, { signal, fetchOptions = {} } = {}) {
  const { data } = await requestJson(endpoint, { ...fetchOptions, method: "GET", signal });
  return Array.isArray(data) ? data : (data?.results ?? []);
}

/**
 * Deletes one upload, object and record.
 * @param {string} endpoint
 * @param {string} id
 * @param {{csrfToken?: string, signal?: AbortSignal, fetchOptions?: RequestInit}} [options]
 * @returns {Promise<void>}
 */
export async function deleteUpload(endpoint, id, { csrfToken, signal, fetchOptions = {} } = {}) {
  await requestJson(fileUrl(endpoint, id), { ...fetchOptions, method: "DELETE", csrfToken, signal });
}

/**
 * The URL that redirects to a download of an upload (`inline` to view it in the browser).
 * @param {string} endpoint
 * @param {string} id
 * @param {{inline?: boolean}} [options]
 */
export function fileUrl(endpoint, id, { inline = false } = {}) {
  const base = endpoint.endsWith("/") ? endpoint : `${endpoint}/`;
  return `${base}${encodeURIComponent(id)}/${inline ? "?disposition=inline" : ""}`;
}
