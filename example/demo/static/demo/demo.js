// The demo page: one upload area per profile (the default, then images and documents side by
// side). Files chosen or dropped on an area are checked against its profile's size and types
// (a file the server would refuse is refused here, before anything is sent), then uploaded with
// that profile, three at a time, one progress bar each; what the server refuses stays in the
// area's queue with the server's words. A large file goes in parallel parts (its one bar shows
// the bytes of all parts); choosing it again after a reload resumes it. A cancelled upload is
// deleted. The list below shows the user's uploads (see uploads-list.js).
// Each job element dispatches "upload-progress", "upload-done" and "upload-failed" events
// (bubbling) for anyone listening.
import { deleteUpload, pendingUpload, uploadFile } from "s3-file-uploads";
import { limitsOf, refusal } from "./limits.js";
import { element, formatSize, showMessage } from "./page.js";
import { refresh, sending } from "./uploads-list.js";

const CONCURRENCY = 3;
const endpoint = document.getElementById("app").dataset.endpoint;
/** The page's one file picker: an area's button opens it for that area. */
const input = document.getElementById("files");
const areas = [...document.querySelectorAll(".drop")];
const defaultArea = document.getElementById("drop");
/** The area the picker's files go to: the last one whose button opened it. */
let pickingFor = defaultArea;

const waiting = [];
let active = 0;

/** Queues files in `area`'s list: refused at once when its profile would not take them. */
function enqueue(files, area) {
  const limits = limitsOf(area);
  const queue = area.closest(".area").querySelector(".queue");
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
    item.dataset.profile = limits.profile;
    queue.append(item);
    const refused = refusal(file, limits);
    if (refused) {
      refuse({ file, item, progress, status, cancel }, refused);
      continue;
    }
    const controller = new AbortController();
    cancel.addEventListener("click", () => {
      cancel.disabled = true;
      controller.abort();
    });
    waiting.push({ file, profile: limits.profile, item, progress, status, cancel, controller });
  }
  pump();
}

/** Refused by the page: say why at once, send nothing (the server would refuse it anyway). */
function refuse({ file, item, progress, status, cancel }, message) {
  item.dataset.state = "failed";
  status.textContent = message;
  status.classList.add("error");
  progress.remove();
  cancel.remove();
  item.dispatchEvent(
    new CustomEvent("upload-failed", {
      bubbles: true,
      detail: { filename: file.name, profile: item.dataset.profile, message, status: 0 },
    }),
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

async function run({ file, profile, item, progress, status, cancel, controller }) {
  const emit = (type, detail) =>
    item.dispatchEvent(
      new CustomEvent(type, { bubbles: true, detail: { filename: file.name, profile, ...detail } }),
    );
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
      profile,
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
      // The server's (or storage's) own words, kept in the area's queue: a type, size or
      // quota refusal says what to change.
      item.dataset.state = "failed";
      item.dataset.status = String(error.status ?? 0);
      status.textContent = error.message;
      status.classList.add("error");
      progress.remove();
    }
    emit("upload-failed", { message: error.message, status: error.status });
  } finally {
    if (uploadId) sending.delete(uploadId);
    cancel.remove();
  }
  await refresh(endpoint);
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

input.addEventListener("change", () => {
  enqueue([...input.files], pickingFor);
  input.value = "";
  pickingFor = defaultArea;
});
input.addEventListener("cancel", () => {
  pickingFor = defaultArea;
});
for (const area of areas) {
  area.addEventListener("click", () => {
    pickingFor = area;
    const types = limitsOf(area).contentTypes;
    input.accept = types.includes("*/*") ? "" : types.join(",");
    input.click();
  });
  for (const type of ["dragenter", "dragover"]) {
    area.addEventListener(type, (event) => {
      event.preventDefault();
      area.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    area.addEventListener(type, () => area.classList.remove("over"));
  }
  area.addEventListener("drop", (event) => {
    event.preventDefault();
    enqueue([...event.dataTransfer.files], area);
  });
}
document.getElementById("refresh").addEventListener("click", () => refresh(endpoint));
refresh(endpoint);
