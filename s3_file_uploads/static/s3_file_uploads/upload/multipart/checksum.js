// Part checksums: each part's SHA-256, computed by the browser's own SubtleCrypto (native, no
// library) from the part's slice just before the part is signed, in base64 as the server signs
// it into the part (S3's x-amz-checksum-sha256). Storage then refuses other bytes, and
// complete holds every stored part to it.

import { UploadError } from "../errors.js";

/** @typedef {import("./plan.js").PartRange} PartRange */

/** The plan's `part_checksum` names, and SubtleCrypto's name for each. */
const DIGESTS = { sha256: "SHA-256" };

/**
 * The base64 of `bytes`, as HTTP headers carry checksums.
 * @param {Uint8Array} bytes
 */
export function toBase64(bytes) {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/**
 * The SHA-256 of `data`, in base64.
 * @param {ArrayBuffer|Uint8Array} data
 * @returns {Promise<string>}
 */
export async function sha256Base64(data) {
  return toBase64(new Uint8Array(await crypto.subtle.digest(DIGESTS.sha256, data)));
}

/**
 * Hashes the parts of `file` the plan asks checksums for, each once and one at a time (so one
 * part at most is held in memory), in the order they are asked for; null when the plan asks
 * for none.
 * @param {Blob} file
 * @param {PartRange[]} ranges
 * @param {string|null|undefined} algorithm The plan's `part_checksum`.
 * @returns {{get(partNumber: number): Promise<string>}|null}
 */
export function partHasher(file, ranges, algorithm) {
  if (!algorithm) return null;
  if (!(algorithm in DIGESTS)) {
    throw new UploadError(`The server asks for ${algorithm} part checksums, which this client cannot compute.`, { phase: "create" });
  }
  if (!globalThis.crypto?.subtle) {
    throw new UploadError(
      "This page cannot hash the file's parts: browsers offer SubtleCrypto only to HTTPS (and localhost) pages. Serve the page over HTTPS, or turn the storage's part checksums off.",
      { phase: "create" },
    );
  }
  /** @type {Map<number, Promise<string>>} */
  const hashed = new Map();
  /** @type {Promise<unknown>} */
  let previous = Promise.resolve();
  return {
    get(partNumber) {
      let checksum = hashed.get(partNumber);
      if (!checksum) {
        const { start, end } = ranges[partNumber - 1];
        checksum = previous.then(() => file.slice(start, end).arrayBuffer()).then(sha256Base64);
        previous = checksum.catch(() => {});
        hashed.set(partNumber, checksum);
      }
      return checksum;
    },
  };
}
