// "Your uploads": the user's uploads with their profile, size and state, download and view
// links and a delete button; and, beside each area whose profile has a quota, what is in use.
import { deleteUpload, fileUrl, listUploads } from "s3-file-uploads";
import { element, formatSize, showMessage } from "./page.js";

const OPEN_STATES = ["NEW", "AWAIT_COMPLETE"];
const rows = document.querySelector("#uploads tbody");
const empty = document.getElementById("empty");
const listError = document.getElementById("list-error");

/** Upload ids this page is sending right now: their rows say so instead of "not finished". */
export const sending = new Set();

/** Reads the list again and redraws it, and the quota usage beside each area. */
export async function refresh(endpoint) {
  let uploads;
  try {
    uploads = await listUploads(endpoint);
    listError.hidden = true;
  } catch (error) {
    listError.textContent = `Could not list your uploads: ${error.message}`;
    listError.hidden = false;
    return;
  }
  rows.replaceChildren(...uploads.map((upload) => row(endpoint, upload)));
  empty.hidden = uploads.length > 0;
  showUsage(uploads);
}

/**
 * What counts against a profile's quota, as the server counts it: completed uploads at their
 * stored size and open ones at their declared size.
 */
function showUsage(uploads) {
  for (const usage of document.querySelectorAll(".usage")) {
    const profile = usage.closest(".area").querySelector(".drop").dataset.profile;
    const held = uploads.filter(
      (u) => u.profile === profile && (u.state === "COMPLETED" || OPEN_STATES.includes(u.state)),
    );
    const open = held.filter((u) => OPEN_STATES.includes(u.state)).length;
    const bytes = held.reduce((sum, u) => sum + (u.size || 0), 0);
    const parts = [];
    if (usage.dataset.quotaBytes) parts.push(`${formatSize(bytes)} in use`);
    if (usage.dataset.quotaOpen) parts.push(`${open} open`);
    usage.textContent = `Now: ${parts.join(", ")}.`;
  }
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

/** A cell with the label a phone shows before it, where the table's head is hidden. */
function cell(className, label, ...children) {
  const td = element("td", { className }, ...children);
  td.dataset.label = label;
  return td;
}

function row(endpoint, upload) {
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
    await refresh(endpoint);
  });
  actions.append(remove);
  const state = cell("state", "State", upload.state.toLowerCase().replace("_", " "));
  const note = stateNote(upload);
  if (note) state.append(element("span", { className: "note", textContent: note }));
  const tr = element(
    "tr",
    {},
    element("td", { className: "filename", textContent: upload.filename }),
    cell("profile", "Profile", upload.profile),
    cell("size", "Size", formatSize(upload.size)),
    state,
    cell("created", "Uploaded", new Date(upload.created).toLocaleString()),
    actions,
  );
  tr.dataset.uploadId = upload.id;
  tr.dataset.state = upload.state;
  tr.dataset.profile = upload.profile;
  return tr;
}
