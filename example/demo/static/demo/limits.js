// What an upload area's profile accepts, as the server wrote it into the page, and the check the
// page makes before creating: a file the server would refuse for its size or type is refused
// here, before anything is sent.
import { formatSize } from "./page.js";

/**
 * @typedef {object} Limits
 * @property {string} profile The profile the area uploads with.
 * @property {number} maxSize Largest file in bytes; 0 for no limit.
 * @property {string[]} contentTypes Media types or patterns ("image/*", "*\/*").
 */

/** @param {HTMLElement} area The area's drop zone, with its data-* attributes. @returns {Limits} */
export function limitsOf(area) {
  return {
    profile: area.dataset.profile,
    maxSize: Number(area.dataset.maxSize) || 0,
    contentTypes: (area.dataset.contentTypes || "*/*").split(",").filter(Boolean),
  };
}

/** Whether a pattern such as "image/*" admits a media type, as the server matches them. */
function matches(pattern, type) {
  const [wantedKind, wantedSub] = pattern.toLowerCase().split("/");
  const [kind, sub] = type.toLowerCase().split(";")[0].trim().split("/");
  return (wantedKind === "*" || wantedKind === kind) && (wantedSub === "*" || wantedSub === sub);
}

/**
 * Why the server would refuse `file` in this profile, or null when the page cannot tell. A file
 * the browser knows no type for is left to the server, which guesses one from its name.
 * @param {File} file
 * @param {Limits} limits
 * @returns {string|null}
 */
export function refusal(file, { maxSize, contentTypes }) {
  if (maxSize > 0 && file.size > maxSize) {
    return (
      `The file is ${file.size} bytes (${formatSize(file.size)}); the limit is ${maxSize} bytes ` +
      `(${formatSize(maxSize)}). Nothing was sent.`
    );
  }
  if (file.type && !contentTypes.some((pattern) => matches(pattern, file.type))) {
    return (
      `Files of type ${file.type} are not accepted here; accepted: ${contentTypes.join(", ")}. ` +
      "Nothing was sent."
    );
  }
  return null;
}
