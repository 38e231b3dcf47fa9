// What went wrong, in the server's words. UploadError, and the readers that turn any error
// reply (DRF JSON from Django, XML from S3, GCS and Azure, short plain text) into one message.
// Every failed reply, from Django or from storage, becomes an UploadError through replyError().

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

/**
 * The UploadError of a reply that is not a 2xx, whoever sent it: the message in the server's
 * words, the status, a storage error code, the parsed body and the Retry-After header.
 * @param {{status: number, text: string, header: (name: string) => string|null}} reply
 * @param {"create"|"storage"|"complete"|"request"} phase
 * @returns {UploadError}
 */
export function replyError({ status, text, header }, phase) {
  const { message, code, body } = extractErrorMessage(status, text, header("Content-Type"));
  return new UploadError(message, { status, code, phase, body, retryAfter: header("Retry-After") });
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
