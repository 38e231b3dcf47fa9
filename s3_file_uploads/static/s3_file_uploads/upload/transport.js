// The wire: how a file goes to storage as an instruction says (a POST form with the fields
// first and the file last, or a PUT with exactly the signed headers), and how a JSON request
// goes to Django (CSRF header, same-origin credentials). Failed replies become UploadErrors;
// nothing here retries or knows the REST API's URLs.

import { UploadError, replyError } from "./errors.js";

/** @typedef {import("./types.js").UploadInstruction} UploadInstruction */
/** @typedef {import("./types.js").Progress} Progress */
/** @typedef {{status: number, headers: string, body: string}} StorageReply */

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
 * Headers only the browser sets (the Fetch standard's forbidden request headers): a storage
 * may sign Content-Length, which the browser sends as the body's length itself.
 */
const BROWSER_SET_HEADERS = new Set([
  "accept-charset", "accept-encoding", "access-control-request-headers",
  "access-control-request-method", "connection", "content-length", "cookie", "date", "dnt",
  "expect", "host", "keep-alive", "origin", "referer", "te", "trailer", "transfer-encoding",
  "upgrade", "via",
]);

/**
 * The headers a PUT sends: the instruction's, but for those only the browser may set.
 * @param {UploadInstruction["headers"]} headers
 * @returns {Array<[string, string]>}
 */
export function putHeaderEntries(headers) {
  return Object.entries(headers || {})
    .filter(([name]) => !BROWSER_SET_HEADERS.has(name.toLowerCase()))
    .map(([name, value]) => [name, String(value)]);
}

/**
 * The request that carries `file` as the instruction says: a POST sends the form (the browser
 * sets its Content-Type), a PUT the raw bytes with exactly the instruction's headers; without
 * a signed Content-Type, a typed Blob must not add one of its own.
 * @param {UploadInstruction} instruction
 * @param {Blob} file
 * @returns {{method: string, headers: Array<[string, string]>, body: FormData|Blob}}
 */
export function storageRequest(instruction, file) {
  const method = String(instruction.method || "POST").toUpperCase();
  if (method === "POST") return { method, headers: [], body: buildFormData(instruction.fields, file) };
  const headers = putHeaderEntries(instruction.headers);
  const hasType = headers.some(([name]) => name.toLowerCase() === "content-type");
  return { method, headers, body: hasType || !file.type ? file : file.slice(0, file.size, "") };
}

/**
 * The UploadError of a storage request that never got a reply.
 * @param {unknown} [cause]
 */
function storageUnreachable(cause) {
  return new UploadError("The file could not be sent to storage: the network request failed.", {
    status: 0, phase: "storage", cause,
  });
}

/**
 * Sends the file as the instruction says, with XMLHttpRequest for upload progress.
 * Resolves on any 2xx; rejects with UploadError (status 0 on network errors) or the abort reason.
 * @param {UploadInstruction} instruction
 * @param {Blob} file
 * @param {{onProgress?: (progress: Progress) => void, signal?: AbortSignal}} [options]
 * @returns {Promise<StorageReply>}
 */
export function sendToStorage(instruction, file, { onProgress, signal } = {}) {
  if (typeof XMLHttpRequest === "undefined") return sendWithFetch(instruction, file, { onProgress, signal });
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const { method, headers, body } = storageRequest(instruction, file);
    const xhr = new XMLHttpRequest();
    xhr.open(method, instruction.url, true);
    for (const [name, value] of headers) xhr.setRequestHeader(name, value);
    const total = file.size;
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
      const header = (/** @type {string} */ name) => xhr.getResponseHeader(name);
      reject(replyError({ status: xhr.status, text: xhr.responseText, header }, "storage"));
    };
    xhr.onerror = () => {
      settle();
      reject(storageUnreachable());
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
 * sendToStorage where there is no XMLHttpRequest (workers, Node): fetch, with progress only
 * at the start and the end.
 * @param {UploadInstruction} instruction
 * @param {Blob} file
 * @param {{onProgress?: (progress: Progress) => void, signal?: AbortSignal}} [options]
 * @returns {Promise<StorageReply>}
 */
async function sendWithFetch(instruction, file, { onProgress, signal } = {}) {
  signal?.throwIfAborted();
  const { method, headers, body } = storageRequest(instruction, file);
  onProgress?.({ loaded: 0, total: file.size });
  let response;
  try {
    response = await fetch(instruction.url, { method, headers, body, signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw storageUnreachable(error);
  }
  const text = await response.text();
  if (!response.ok) throw replyError(fetchReply(response, text), "storage");
  onProgress?.({ loaded: file.size, total: file.size });
  const headerText = [...response.headers].map(([name, value]) => `${name}: ${value}`).join("\r\n");
  return { status: response.status, headers: headerText, body: text };
}

/**
 * A fetch Response as replyError reads it.
 * @param {Response} response
 * @param {string} text Its body, already read.
 */
function fetchReply(response, text) {
  return { status: response.status, text, header: (/** @type {string} */ name) => response.headers.get(name) };
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
 * A JSON request to Django with the CSRF header and same-origin credentials; parsed JSON back.
 * @param {string} url
 * @param {RequestInit & {csrfToken?: string, phase?: "create"|"storage"|"complete"|"request", json?: unknown}} init
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
    throw new UploadError("The server could not be reached: the network request failed.", { status: 0, phase, cause: error });
  }
  const text = await response.text();
  if (!response.ok) throw replyError(fetchReply(response, text), phase);
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new UploadError("The server's reply was not JSON.", { status: response.status, phase, body: text, cause: error });
    }
  }
  return { data, response };
}
