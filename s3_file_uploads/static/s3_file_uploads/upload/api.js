// Django's REST API, one function per endpoint: create, complete, list, delete, the file URL,
// and the multipart plan's sign, list-parts and abort. The only module that knows its URLs and
// reply shapes; each call goes through transport's requestJson.

import { UploadError } from "./errors.js";
import { withRetries } from "./retry.js";
import { requestJson } from "./transport.js";

/** @typedef {import("./types.js").UploadData} UploadData */
/** @typedef {import("./types.js").UploadInstruction} UploadInstruction */
/** @typedef {import("./types.js").PartInstruction} PartInstruction */
/** @typedef {import("./types.js").DjangoOptions} DjangoOptions */

export const DEFAULT_COMPLETE_RETRIES = 2;

/**
 * A URL made absolute against the page, so it names the same endpoint from any page.
 * @param {string} url
 */
export function absoluteUrl(url) {
  try {
    return new URL(url, globalThis.location?.href).href;
  } catch {
    return url;
  }
}

/**
 * Creates an upload: Django checks the request and answers with the instruction (or a plan).
 * @param {string} endpoint
 * @param {Record<string, unknown>} request The create request's JSON body.
 * @param {DjangoOptions} [options]
 * @returns {Promise<UploadData>}
 */
export async function createUpload(endpoint, request, { csrfToken, signal, fetchOptions = {} } = {}) {
  const { data } = await requestJson(endpoint, {
    ...fetchOptions, method: "POST", json: request, csrfToken, signal, phase: "create",
  });
  return data;
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
 * The complete URL of a create reply; built beside the endpoint for servers that do not say it.
 * @param {UploadData} created
 * @param {string} endpoint The create endpoint, absolute.
 * @returns {string}
 */
export function completeUrlOf(created, endpoint) {
  return created.complete_url || new URL(`${created.id}/complete/`, endpoint).href;
}

/** @param {unknown} error */
const isUnavailable = (error) => error instanceof UploadError && error.status === 503;

/**
 * Asks Django to check the stored object; retries after a 503, waiting its Retry-After.
 * @param {string} completeUrl
 * @param {DjangoOptions & {retries?: number}} [options]
 * @returns {Promise<UploadData>}
 */
export async function completeUpload(completeUrl, { csrfToken, signal, retries = DEFAULT_COMPLETE_RETRIES, fetchOptions = {} } = {}) {
  const { data } = await withRetries(
    () => requestJson(completeUrl, { ...fetchOptions, method: "POST", csrfToken, signal, phase: "complete" }),
    { retries, signal, shouldRetry: isUnavailable },
  );
  return data;
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
 * @param {DjangoOptions} [options]
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

/**
 * Signs parts of a multipart upload: one PUT instruction per part number, each signed with
 * its checksum when `checksums` (in the order of `partNumbers`) are given.
 * @param {string} partsUrl
 * @param {number[]} partNumbers
 * @param {DjangoOptions & {checksums?: string[]|null}} [options]
 * @returns {Promise<PartInstruction[]>}
 */
export async function signParts(partsUrl, partNumbers, { csrfToken, signal, fetchOptions = {}, checksums } = {}) {
  const json = checksums
    ? { parts: partNumbers.map((number, i) => ({ part_number: number, checksum: checksums[i] })) }
    : { part_numbers: partNumbers };
  const { data } = await requestJson(partsUrl, {
    ...fetchOptions, method: "POST", json, csrfToken, signal, phase: "request",
  });
  return data?.parts ?? [];
}

/**
 * What the parts listing says of a multipart upload: its plan and the parts storage holds.
 * @param {string} partsUrl
 * @param {DjangoOptions} [options]
 * @returns {Promise<{part_size?: number, part_count?: number, parts?: Array<{part_number: number, size: number}>}|null>}
 */
export async function listParts(partsUrl, { signal, fetchOptions = {} } = {}) {
  const { data } = await requestJson(partsUrl, { ...fetchOptions, method: "GET", signal, phase: "request" });
  return data;
}

/**
 * Tells Django to discard a multipart upload's parts.
 * @param {string} abortUrl
 * @param {DjangoOptions} [options]
 */
export async function abortMultipart(abortUrl, { csrfToken, signal, fetchOptions = {} } = {}) {
  await requestJson(abortUrl, { ...fetchOptions, method: "POST", csrfToken, signal, phase: "request" });
}
