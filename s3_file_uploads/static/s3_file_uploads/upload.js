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
 * @property {AbortSignal} [signal] Aborting rejects with the signal's reason (an AbortError).
 * @property {number} [retries] Storage retries on network errors and 5xx; 3 by default.
 * @property {number} [completeRetries] Complete retries after a 503; 2 by default.
 * @property {RequestInit} [fetchOptions] Merged into every request to Django.
 */

const DEFAULT_RETRIES = 3;
const DEFAULT_COMPLETE_RETRIES = 2;
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
      // Send exactly the instruction's headers: without a signed Content-Type, a typed Blob
      // would add one of its own.
      const hasType = headers.some(([name]) => name.toLowerCase() === "content-type");
      body = hasType || !file.type ? file : file.slice(0, file.size, "");
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
  } = options || /** @type {UploadOptions} */ ({});
  if (!endpoint) throw new TypeError("uploadFile needs options.endpoint, the create URL.");
  signal?.throwIfAborted();

  /** @type {Record<string, unknown>} */
  const request = { filename: /** @type {File} */ (file).name ?? "", size: file.size };
  // Without a type of its own, the server guesses one from the file name.
  const contentType = options.contentType || file.type;
  if (contentType) request.content_type = contentType;
  if (acl) request.acl = acl;
  if (fileKey) request.file_key = fileKey;
  const { data: created } = await requestJson(endpoint, {
    ...fetchOptions, method: "POST", json: request, csrfToken, signal, phase: "create",
  });

  const instruction = instructionOf(created);
  await withRetries(() => sendToStorage(instruction, file, { onProgress, signal }), { retries, signal });

  const completeUrl = created.complete_url || new URL(`${created.id}/complete/`, new URL(endpoint, location.href)).href;
  return completeUpload(completeUrl, { csrfToken, signal, retries: completeRetries, fetchOptions });
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
