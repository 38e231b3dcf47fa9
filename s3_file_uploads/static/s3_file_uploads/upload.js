// django-s3-file-upload's browser client: dependency-free ES modules that browsers load as they
// are, with no bundler. This file is the entry point, and the whole public API: load it as a
// module from {% static 's3_file_uploads/upload.js' %} and call
// uploadFile(file, {endpoint: "/api/s3-file-uploads/", onProgress}). docs/browser-client.md
// shows the script tag, and what a project whose static files are hashed must set.
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
//
// Where each concern lives, in upload/ beside this file:
//   errors.js          UploadError and the server's message from any error reply
//   retry.js           withRetries: Retry-After when the reply gives one, else backoff
//   transport.js       the bytes to storage (POST form or PUT) and JSON requests to Django
//   api.js             Django's REST API, one function per endpoint
//   resume.js          what is remembered of unfinished multipart uploads
//   multipart/plan.js  parts, ranges, what is missing, progress across parts
//   multipart/signer.js   part signatures in batches, just ahead of the workers
//   multipart/runner.js   sends the parts in parallel, completes, aborts on cancel
//   upload-file.js     uploadFile: create, send, complete
//   types.js           the JSDoc shapes (runs nothing)

/** @typedef {import("./upload/types.js").UploadInstruction} UploadInstruction */
/** @typedef {import("./upload/types.js").UploadData} UploadData */
/** @typedef {import("./upload/types.js").UploadOptions} UploadOptions */
/** @typedef {import("./upload/types.js").Progress} Progress */
/** @typedef {import("./upload/types.js").MultipartPlan} MultipartPlan */
/** @typedef {import("./upload/types.js").PartInstruction} PartInstruction */
/** @typedef {import("./upload/types.js").ResumeEntry} ResumeEntry */
/** @typedef {import("./upload/types.js").ResumeStore} ResumeStore */

export { UploadError, extractErrorMessage, messageFromJson, parseXmlError } from "./upload/errors.js";
export { abortableSleep, backoffDelay, backoffSchedule, isRetryable, retryAfterMs, withRetries } from "./upload/retry.js";
export {
  buildFormData, formFieldEntries, putHeaderEntries, readCookie, requestJson, sendToStorage,
} from "./upload/transport.js";
export { completeUpload, deleteUpload, fileUrl, instructionOf, listUploads } from "./upload/api.js";
export {
  fileFingerprint, pendingUpload, resumeEntry, resumeKey, usableResumeEntry,
} from "./upload/resume.js";
export { missingParts, multipartChoice, partProgress, partRanges, partsToResend } from "./upload/multipart/plan.js";
export { nextSignBatch, signAheadBatch, signBatchSize } from "./upload/multipart/signer.js";
export { uploadFile } from "./upload/upload-file.js";
