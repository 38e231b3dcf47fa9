// An Uppy uploader plugin that sends each file through django-s3-file-upload's API with this
// package's own browser client (upload.js): create, the bytes straight to storage (one POST or
// PUT, or parts in parallel), complete. It works on every backend, as the client does.
//
//   new Uppy().use(Dashboard, { inline: true, target: "#uppy" })
//     .use(DjangoUploads, { endpoint: "/api/s3-file-uploads/", profile: "document" });
//
// with DjangoUploads taken from this module and Uppy from wherever the page loads it; docs/uppy.md
// shows the script tags. (No line of these comments may read like an import statement: Django's
// ManifestStaticFilesStorage rewrites import paths with regular expressions.)
//
// It imports nothing from Uppy: it implements the small interface Uppy calls on a plugin (an id,
// the type "uploader", install and uninstall, update, setOptions), so it loads with no bundler and
// no import map entry for Uppy, and works with whichever Uppy the page loaded (5 and 6 are tested).
//
// What Uppy sees: upload-start, upload-progress as the client reports bytes (across all parts of
// a multipart upload), upload-success with the completed upload as the response body and its
// download URL as uploadURL, upload-error with the server's own message. Retrying a failed file
// resumes a multipart upload (the client remembers it and sends only the parts storage lacks);
// removing a file or cancelling all stops its upload, aborts a multipart upload on the server and
// deletes the upload. docs/uppy.md is the user's page.

import { UploadError, deleteUpload, pendingUpload, uploadFile } from "./upload.js";

/** @typedef {import("./upload/types.js").UploadData} UploadData */
/** @typedef {import("./upload/types.js").UploadOptions} UploadOptions */

/**
 * The upload options Uppy's files share, passed to uploadFile as they are.
 * @type {ReadonlyArray<keyof UploadOptions>}
 */
const CLIENT_OPTIONS = [
  "csrfToken", "acl", "retries", "backoff", "completeRetries", "multipart", "multipartThreshold",
  "concurrency", "signBatchSize", "resume", "resumeStore",
];

const DEFAULT_OPTIONS = { id: "DjangoUploads", limit: 3 };

/**
 * @typedef {object} DjangoUploadsOptions
 * @property {string} endpoint The create endpoint, e.g. "/api/s3-file-uploads/".
 * @property {string|((file: any) => string|undefined)} [profile] The upload profile, or a
 *   function of the Uppy file that names it; the server's "default" when left out.
 * @property {Record<string, string>} [headers] Extra headers on every request to Django.
 * @property {RequestInit} [fetchOptions] Merged into every request to Django.
 * @property {number} [limit] Files uploading at once (3); each multipart file also sends
 *   `concurrency` parts at once.
 * @property {string} [id] The plugin's id in Uppy ("DjangoUploads").
 */

export class DjangoUploads {
  /**
   * Uppy calls this through `uppy.use(DjangoUploads, options)`.
   * @param {any} uppy
   * @param {DjangoUploadsOptions} options
   */
  constructor(uppy, options) {
    this.uppy = uppy;
    this.opts = { ...DEFAULT_OPTIONS, ...options };
    this.id = this.opts.id;
    this.type = "uploader";
    if (!this.opts.endpoint) throw new TypeError("DjangoUploads needs the `endpoint` option, the create URL.");
    /** Uploads on their way, by Uppy file id: what stops them and which server upload they are. */
    this.running = new Map();
    this.upload = this.upload.bind(this);
    this.onFileRemoved = this.onFileRemoved.bind(this);
    this.onCancelAll = this.onCancelAll.bind(this);
  }

  install() {
    this.uppy.addUploader(this.upload);
    this.uppy.on("file-removed", this.onFileRemoved);
    this.uppy.on("cancel-all", this.onCancelAll);
  }

  uninstall() {
    this.uppy.removeUploader(this.upload);
    this.uppy.off("file-removed", this.onFileRemoved);
    this.uppy.off("cancel-all", this.onCancelAll);
    this.onCancelAll();
  }

  /** Uppy calls this on every state change; this plugin draws nothing. */
  update() {}

  afterUpdate() {}

  /** @param {Partial<DjangoUploadsOptions>} options */
  setOptions(options) {
    this.opts = { ...this.opts, ...options };
  }

  /**
   * The uploader Uppy runs with the ids of the files to send; resolves when each has
   * succeeded, failed (reported through upload-error) or been removed.
   * @param {string[]} fileIDs
   */
  async upload(fileIDs) {
    const files = this.uppy.getFilesByIds(fileIDs).filter((file) => !file.error && !file.progress?.uploadComplete);
    // A file Golden Retriever restored mid-upload has started already; Uppy must not reset it.
    this.uppy.emit("upload-start", files.filter((file) => !file.progress?.uploadStarted || !file.isRestored));
    const queue = [...files];
    const worker = async () => {
      while (queue.length) await this.uploadOne(queue.shift());
    };
    const workers = Math.max(1, Math.min(Math.floor(this.opts.limit) || 1, queue.length));
    await Promise.all(Array.from({ length: workers }, worker));
  }

  /**
   * One Uppy file through uploadFile, its events reported to Uppy; never rejects.
   * @param {any} file
   */
  async uploadOne(file) {
    // Removed (or all cancelled) while it waited for its turn: nothing to send.
    if (!this.uppy.getFile(file.id)) return;
    if (file.isRemote) {
      this.fail(file, new Error("DjangoUploads sends local files only: files from Companion's remote sources are not supported."));
      return;
    }
    if (!file.data || file.isGhost) {
      this.fail(file, new Error("The file's bytes were not kept by the browser: add the file again to upload it."));
      return;
    }
    const data = blobOf(file);
    const controller = new AbortController();
    const resumed = this.opts.resume === false
      ? null
      : pendingUpload(data, { endpoint: this.opts.endpoint, resumeStore: this.opts.resumeStore });
    /** @type {{controller: AbortController, uploadId: string|null}} */
    const job = { controller, uploadId: resumed?.uploadId ?? null };
    this.running.set(file.id, job);
    this.describe(file, { id: job.uploadId, resumed: Boolean(resumed), multipart: Boolean(resumed) });
    try {
      const done = await uploadFile(data, {
        ...this.clientOptions(file),
        signal: controller.signal,
        onCreated: (created) => {
          job.uploadId = created.id;
          // A new upload: the remembered one, if any, was gone from the server.
          this.describe(file, { id: created.id, multipart: Boolean(created.multipart), resumed: false });
        },
        onProgress: ({ loaded, total }) => this.progress(file, loaded, total),
      });
      const current = this.uppy.getFile(file.id);
      if (current) this.uppy.emit("upload-success", current, { status: 200, body: done, uploadURL: done.file });
    } catch (error) {
      if (controller.signal.aborted) await this.discard(job.uploadId);
      else this.fail(file, error);
    } finally {
      this.running.delete(file.id);
    }
  }

  /**
   * uploadFile's options for one Uppy file: the plugin's own, its profile, its type and headers.
   * @param {any} file
   * @returns {UploadOptions}
   */
  clientOptions(file) {
    const { opts } = this;
    /** @type {UploadOptions} */
    const options = { endpoint: opts.endpoint };
    for (const name of CLIENT_OPTIONS) if (opts[name] !== undefined) options[name] = opts[name];
    const profile = typeof opts.profile === "function" ? opts.profile(file) : opts.profile;
    if (profile) options.profile = profile;
    const contentType = file.meta?.type || file.type;
    if (contentType) options.contentType = contentType;
    const headers = new Headers(opts.fetchOptions?.headers);
    for (const [name, value] of Object.entries(opts.headers || {})) headers.set(name, value);
    options.fetchOptions = { ...opts.fetchOptions, headers };
    return options;
  }

  /**
   * Tells Uppy how far a file has come.
   * @param {any} file
   * @param {number} loaded
   * @param {number} total
   */
  progress(file, loaded, total) {
    const current = this.uppy.getFile(file.id);
    if (!current) return;
    this.uppy.emit("upload-progress", current, {
      uploadStarted: current.progress?.uploadStarted ?? Date.now(),
      bytesUploaded: loaded,
      bytesTotal: total,
    });
  }

  /**
   * Keeps on the Uppy file which server upload it is (`file.djangoUpload.id`), so a page can
   * link or delete it, and whether it goes in parts or resumed a remembered upload.
   * @param {any} file
   * @param {{id: string|null, multipart: boolean, resumed?: boolean}} upload
   */
  describe(file, upload) {
    const current = this.uppy.getFile(file.id);
    if (current) this.uppy.setFileState(file.id, { djangoUpload: { ...current.djangoUpload, ...upload } });
  }

  /**
   * Reports a failure to Uppy with the server's words (UploadError's message) as its reason.
   * @param {any} file
   * @param {unknown} error
   */
  fail(file, error) {
    const current = this.uppy.getFile(file.id);
    if (!current) return;
    const reason = error instanceof Error ? error : new Error(String(error));
    const response = error instanceof UploadError ? { status: error.status, body: error.body } : undefined;
    this.uppy.emit("upload-error", current, reason, response);
  }

  /** @param {any} removed */
  onFileRemoved(removed) {
    this.running.get(removed?.id)?.controller.abort();
  }

  onCancelAll() {
    for (const job of this.running.values()) job.controller.abort();
  }

  /**
   * Deletes a cancelled upload's row and whatever storage holds of it (the client has already
   * aborted a multipart one); cleanup_uploads reclaims it if this request fails.
   * @param {string|null} uploadId
   */
  async discard(uploadId) {
    if (!uploadId) return;
    const { fetchOptions } = this.clientOptions({ meta: {} });
    try {
      await deleteUpload(this.opts.endpoint, uploadId, { csrfToken: this.opts.csrfToken, fetchOptions });
    } catch (error) {
      this.uppy.log(`[DjangoUploads] could not delete cancelled upload ${uploadId}: ${error}`, "warning");
    }
  }
}

/**
 * The bytes to send, named as the file is named in Uppy (its Dashboard lets a person rename it).
 * @param {any} file
 * @returns {File|Blob}
 */
function blobOf(file) {
  const data = file.data;
  const name = file.meta?.name || file.name;
  if (!name || data?.name === name) return data;
  return new File([data], name, { type: data.type, lastModified: data.lastModified });
}

export default DjangoUploads;
