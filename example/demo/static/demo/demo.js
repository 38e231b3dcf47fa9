// The demo page: upload chosen or dropped files (three at a time), one progress bar each, then
// list the user's uploads with download, view and delete. A large file goes in parallel parts
// (its one bar shows the bytes of all parts); choosing it again after a reload resumes it.
// Each job element dispatches "upload-progress", "upload-done" and "upload-failed" events
// (bubbling) for anyone listening.
import { deleteUpload, fileUrl, listUploads, pendingUpload, uploadFile } from "s3-file-uploads";

const CONCURRENCY = 3;
const app = document.getElementById("app");
const endpoint = app.dataset.endpoint;
const input = document.getElementById("files");
const drop = document.getElementById("drop");
const queue = document.getElementById("queue");
const rows = document.querySelector("#uploads tbody");
const empty = document.getElementById("empty");
const listError = document.getElementById("list-error");

const waiting = [];
let running = 0;

function formatSize(bytes) {
  if (bytes == null) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
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
      progress,
      cancel,
      status,
    );
    item.dataset.state = "waiting";
    item.dataset.filename = file.name;
    queue.append(item);
    const controller = new AbortController();
    cancel.addEventListener("click", () => controller.abort());
    waiting.push({ file, item, progress, status, cancel, controller });
  }
  pump();
}

function pump() {
  while (running < CONCURRENCY && waiting.length) {
    running += 1;
    run(waiting.shift()).finally(() => {
      running -= 1;
      pump();
    });
  }
}

async function run({ file, item, progress, status, cancel, controller }) {
  const emit = (type, detail) =>
    item.dispatchEvent(new CustomEvent(type, { bubbles: true, detail: { filename: file.name, ...detail } }));
  item.dataset.state = "uploading";
  const resuming = pendingUpload(file, { endpoint }) !== null;
  item.dataset.resumed = String(resuming);
  status.textContent = resuming ? "Resuming…" : "Starting…";
  try {
    const upload = await uploadFile(file, {
      endpoint,
      signal: controller.signal,
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
    await refresh();
  } catch (error) {
    const aborted = error?.name === "AbortError";
    item.dataset.state = aborted ? "cancelled" : "failed";
    status.textContent = aborted ? "Cancelled." : error.message;
    status.classList.toggle("error", !aborted);
    emit("upload-failed", { message: error.message, status: error.status });
  } finally {
    cancel.remove();
  }
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
      listError.textContent = `Could not delete ${upload.filename}: ${error.message}`;
      listError.hidden = false;
    }
    await refresh();
  });
  actions.append(remove);
  const tr = element(
    "tr",
    {},
    element("td", { className: "filename", textContent: upload.filename }),
    element("td", { textContent: formatSize(upload.size) }),
    element("td", { className: "state", textContent: upload.state.toLowerCase().replace("_", " ") }),
    element("td", { textContent: new Date(upload.created).toLocaleString() }),
    actions,
  );
  tr.dataset.uploadId = upload.id;
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
