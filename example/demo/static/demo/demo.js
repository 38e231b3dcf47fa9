// The demo page: upload chosen or dropped files (three at a time), one progress bar each, then
// list the user's uploads with download, view and delete. A large file goes in parallel parts
// (its one bar shows the bytes of all parts); choosing it again after a reload resumes it.
// A file over the limit is refused here, before anything is sent; a cancelled upload is
// deleted. Errors stay on the page until dismissed.
// Each job element dispatches "upload-progress", "upload-done" and "upload-failed" events
// (bubbling) for anyone listening.
import { deleteUpload, fileUrl, listUploads, pendingUpload, uploadFile } from "s3-file-uploads";

const CONCURRENCY = 3;
/** Powers of 1024, named as such: the server's limit is written the same way. */
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
const OPEN_STATES = ["NEW", "AWAIT_COMPLETE"];
const app = document.getElementById("app");
const endpoint = app.dataset.endpoint;
const maxSize = Number(app.dataset.maxSize);
const input = document.getElementById("files");
const drop = document.getElementById("drop");
const queue = document.getElementById("queue");
const messages = document.getElementById("messages");
const rows = document.querySelector("#uploads tbody");
const empty = document.getElementById("empty");
const listError = document.getElementById("list-error");

const waiting = [];
let active = 0;
/** Upload ids this page is sending right now: their rows say so instead of "not finished". */
const sending = new Set();

function formatSize(bytes) {
  if (bytes == null) return "";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit ? value.toFixed(1).replace(/\.0$/, "") : value} ${UNITS[unit]}`;
}

function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** An error that stays on the page until the person dismisses it. */
function showMessage(text) {
  const dismiss = element("button", { type: "button", className: "link", textContent: "dismiss" });
  const item = element("li", {}, element("span", { className: "text", textContent: text }), dismiss);
  dismiss.addEventListener("click", () => item.remove());
  messages.append(item);
}

function enqueue(files) {
  for (const file of files) {
    const progress = element("progress", { max: file.size || 1, value: 0 });
    const status = element("span", { className: "status", textContent: "Waiting…" });
    const cancel = element("button", { type: "button", className: "link", textContent: "cancel" });
    const item = element(
      "li",
      {},
      element("span", { className: "name", textContent: file.name }),
      element("span", { className: "size", textContent: formatSize(file.size) }),
      cancel,
      progress,
      status,
    );
    item.dataset.state = "waiting";
    item.dataset.filename = file.name;
    queue.append(item);
    if (maxSize > 0 && file.size > maxSize) {
      refuse({ file, item, progress, status, cancel });
      continue;
    }
    const controller = new AbortController();
    cancel.addEventListener("click", () => {
      cancel.disabled = true;
      controller.abort();
    });
    waiting.push({ file, item, progress, status, cancel, controller });
  }
  pump();
}

/** Over the limit: say so at once, send nothing (the server would refuse it anyway). */
function refuse({ file, item, progress, status, cancel }) {
  const message =
    `The file is ${file.size} bytes (${formatSize(file.size)}); the limit is ${maxSize} bytes ` +
    `(${formatSize(maxSize)}). Nothing was sent.`;
  item.dataset.state = "failed";
  status.textContent = message;
  status.classList.add("error");
  progress.remove();
  cancel.remove();
  item.dispatchEvent(
    new CustomEvent("upload-failed", { bubbles: true, detail: { filename: file.name, message, status: 0 } }),
  );
}

function pump() {
  while (active < CONCURRENCY && waiting.length) {
    active += 1;
    run(waiting.shift()).finally(() => {
      active -= 1;
      pump();
    });
  }
}

async function run({ file, item, progress, status, cancel, controller }) {
  const emit = (type, detail) =>
    item.dispatchEvent(new CustomEvent(type, { bubbles: true, detail: { filename: file.name, ...detail } }));
  if (controller.signal.aborted) {
    item.dataset.state = "cancelled";
    status.textContent = "Cancelled before it started.";
    cancel.remove();
    return;
  }
  item.dataset.state = "uploading";
  const pending = pendingUpload(file, { endpoint });
  let uploadId = pending?.uploadId ?? null;
  const track = (id) => {
    uploadId = id;
    item.dataset.uploadId = id;
    sending.add(id);
  };
  if (uploadId) track(uploadId);
  item.dataset.resumed = String(pending !== null);
  status.textContent = pending ? "Resuming: only the parts storage does not hold yet are sent…" : "Starting…";
  try {
    const upload = await uploadFile(file, {
      endpoint,
      signal: controller.signal,
      onCreated: (created) => track(created.id),
      onProgress: ({ loaded, total }) => {
        progress.max = total || 1;
        progress.value = loaded;
        status.textContent = `${total ? Math.floor((loaded / total) * 100) : 100}% sent`;
        emit("upload-progress", { loaded, total });
      },
    });
    item.dataset.state = "done";
    item.dataset.uploadId = upload.id;
    status.textContent = "Uploaded.";
    emit("upload-done", { upload });
  } catch (error) {
    if (controller.signal.aborted) {
      await discard(file, uploadId, item, status);
    } else {
      item.dataset.state = "failed";
      status.textContent = error.message;
      status.classList.add("error");
    }
    emit("upload-failed", { message: error.message, status: error.status });
  } finally {
    if (uploadId) sending.delete(uploadId);
    cancel.remove();
  }
  await refresh();
}

/** A cancelled upload: delete whatever the server and storage hold of it. */
async function discard(file, uploadId, item, status) {
  item.dataset.state = "cancelling";
  if (!uploadId) {
    item.dataset.state = "cancelled";
    status.textContent = "Cancelled before anything was sent.";
    return;
  }
  status.textContent = "Cancelled; deleting what was sent…";
  try {
    await deleteUpload(endpoint, uploadId);
    status.textContent = "Cancelled; nothing was kept.";
  } catch (error) {
    status.textContent = `Cancelled, but what was sent could not be deleted: ${error.message}`;
    status.classList.add("error");
    showMessage(`${file.name} was cancelled, but what was sent could not be deleted: ${error.message}`);
  }
  item.dataset.state = "cancelled";
}

async function refresh() {
  let uploads;
  try {
    uploads = await listUploads(endpoint);
    listError.hidden = true;
  } catch (error) {
    listError.textContent = `Could not list your uploads: ${error.message}`;
    listError.hidden = false;
    return;
  }
  rows.replaceChildren(...uploads.map(row));
  empty.hidden = uploads.length > 0;
}

/** What a row's state means for the person, when the state's name alone does not say. */
function stateNote(upload) {
  if (sending.has(upload.id)) return "On its way from this page…";
  if (OPEN_STATES.includes(upload.state)) {
    return upload.multipart
      ? "Not finished: the page was closed or reloaded while it was sent. Choose the same file again to resume it, or delete it."
      : "Not finished: the page was closed or reloaded while it was sent. Delete it, and choose the file again.";
  }
  if (upload.state === "FAILED") return "Refused or aborted: storage keeps nothing of it. Delete it.";
  return "";
}

function row(upload) {
  const actions = element("td", { className: "actions" });
  if (upload.state === "COMPLETED") {
    actions.append(
      element("a", { href: fileUrl(endpoint, upload.id), className: "download", textContent: "download" }),
      element("a", {
        href: fileUrl(endpoint, upload.id, { inline: true }),
        className: "view",
        target: "_blank",
        rel: "noopener",
        textContent: "view",
      }),
    );
  }
  const remove = element("button", { type: "button", className: "link delete", textContent: "delete" });
  remove.addEventListener("click", async () => {
    remove.disabled = true;
    try {
      await deleteUpload(endpoint, upload.id);
    } catch (error) {
      showMessage(`Could not delete ${upload.filename}: ${error.message}`);
    }
    await refresh();
  });
  actions.append(remove);
  const state = element("td", { className: "state" });
  state.dataset.label = "State";
  state.append(upload.state.toLowerCase().replace("_", " "));
  const note = stateNote(upload);
  if (note) state.append(element("span", { className: "note", textContent: note }));
  const size = element("td", { className: "size", textContent: formatSize(upload.size) });
  size.dataset.label = "Size";
  const created = element("td", { textContent: new Date(upload.created).toLocaleString() });
  created.dataset.label = "Uploaded";
  const tr = element(
    "tr",
    {},
    element("td", { className: "filename", textContent: upload.filename }),
    size,
    state,
    created,
    actions,
  );
  tr.dataset.uploadId = upload.id;
  tr.dataset.state = upload.state;
  return tr;
}

input.addEventListener("change", () => {
  enqueue([...input.files]);
  input.value = "";
});
for (const type of ["dragenter", "dragover"]) {
  drop.addEventListener(type, (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
}
for (const type of ["dragleave", "drop"]) {
  drop.addEventListener(type, () => drop.classList.remove("over"));
}
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  enqueue([...event.dataTransfer.files]);
});
document.getElementById("refresh").addEventListener("click", refresh);
refresh();
