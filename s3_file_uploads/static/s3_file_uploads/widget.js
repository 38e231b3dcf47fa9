// The upload form field's widget (s3_file_uploads/widgets.py), made live: a chosen file goes
// straight to storage through upload.js, and the signed `field_value` of the completed upload
// goes into the hidden input the form submits. The file input loses its name, so the form never
// carries the bytes; without this script the same input posts the file to Django instead.
//
// Every widget on the page is set up once, including those a Django admin inline adds later.

import { deleteUpload, uploadFile } from "./upload.js";

const READY = "s3fuReady";

/** @param {HTMLElement} root One `[data-s3fu-upload]` element. */
function setUp(root) {
  // The admin's hidden template of an inline row is copied, not used: its copies are set up.
  if (root.dataset[READY] || !root.dataset.endpoint || root.closest(".empty-form")) return;
  root.dataset[READY] = "1";
  const part = (/** @type {string} */ name) => root.querySelector(`[data-s3fu-${name}]`);
  const value = /** @type {HTMLInputElement} */ (part("value"));
  const input = /** @type {HTMLInputElement} */ (part("file"));
  const clear = /** @type {HTMLInputElement|null} */ (part("clear"));
  const current = /** @type {HTMLElement} */ (part("current"));
  const progress = /** @type {HTMLProgressElement} */ (part("progress"));
  const cancel = /** @type {HTMLButtonElement} */ (part("cancel"));
  const status = /** @type {HTMLElement} */ (part("status"));
  const form = root.closest("form");
  const csrf = /** @type {HTMLInputElement|null} */ (form?.querySelector("input[name=csrfmiddlewaretoken]"));
  input.removeAttribute("name");
  /** @type {AbortController|null} */
  let running = null;

  const say = (/** @type {string} */ text, /** @type {string} */ state) => {
    status.textContent = text;
    root.dataset.state = state;
  };

  const showCurrent = (/** @type {string} */ name, /** @type {string} */ href) => {
    const link = document.createElement("a");
    link.href = href;
    link.textContent = name;
    link.dataset.s3fuLink = "";
    current.querySelector("[data-s3fu-link]")?.replaceWith(link);
    current.hidden = false;
  };

  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    running?.abort();
    const controller = new AbortController();
    running = controller;
    if (clear) clear.checked = false;
    progress.value = 0;
    progress.hidden = cancel.hidden = false;
    say(`Uploading ${file.name}…`, "uploading");
    const endpoint = /** @type {string} */ (root.dataset.endpoint);
    const csrfToken = csrf?.value || undefined;
    /** @type {{id: string, multipart?: unknown}|null} */
    let created = null;
    try {
      const done = await uploadFile(file, {
        endpoint,
        csrfToken,
        profile: root.dataset.profile,
        signal: controller.signal,
        onCreated: (reply) => { created = reply; },
        onProgress: ({ loaded, total }) => { progress.value = total ? loaded / total : 0; },
      });
      value.value = done.field_value;
      showCurrent(done.filename || file.name, done.file);
      say(`Uploaded ${done.filename || file.name}.`, "done");
    } catch (error) {
      const cancelled = controller.signal.aborted;
      // A cancelled single upload is deleted here; the client aborts a multipart one itself.
      if (cancelled && created && !created.multipart) deleteUpload(endpoint, created.id, { csrfToken }).catch(() => {});
      say(cancelled ? "Cancelled." : String(/** @type {Error} */ (error).message || error), cancelled ? "cancelled" : "failed");
    } finally {
      if (running === controller) running = null;
      progress.hidden = cancel.hidden = true;
      input.value = "";
    }
  });

  cancel.addEventListener("click", () => running?.abort());

  form?.addEventListener("submit", (event) => {
    if (!running) return;
    event.preventDefault();
    say("Wait until the upload has finished, or cancel it, then save.", "uploading");
  });
}

function setUpAll() {
  document.querySelectorAll("[data-s3fu-upload]").forEach((root) => setUp(/** @type {HTMLElement} */ (root)));
}

setUpAll();
// The admin's "Add another" on an inline puts a fresh copy of the widget into the page.
document.addEventListener("formset:added", setUpAll);
