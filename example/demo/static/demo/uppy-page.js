// The Uppy page: Uppy's Dashboard inline, uploading through the app's API with the package's
// plugin in the profile chosen above it; each completed upload gets a row with its link. Golden
// Retriever keeps the chosen files in IndexedDB, so after a reload or a crash Uppy restores them
// and Upload resumes a multipart upload from the parts storage holds. Every Uppy event the
// plugin drives is also kept in window.__uppyEvents, for the browser tests.
import { Dashboard, GoldenRetriever, Uppy } from "uppy";
import { DjangoUploads } from "s3-file-uploads/uppy";
import { element, formatSize } from "./page.js";

const MiB = 1024 * 1024;
const endpoint = document.getElementById("app").dataset.endpoint;
const profile = document.getElementById("profile");
const rows = document.querySelector("#uploaded tbody");

const uppy = new Uppy({ id: "demo" })
  .use(Dashboard, { inline: true, target: "#uppy", height: 380, proudlyDisplayPoweredByUppy: false })
  .use(DjangoUploads, { endpoint, profile: () => profile.value })
  // Files up to the demo's largest limit, not Golden Retriever's 10 MiB default.
  .use(GoldenRetriever, { indexedDB: { maxFileSize: 512 * MiB, maxTotalSize: 1024 * MiB } });
document.getElementById("uppy-version").textContent = `Uppy ${Uppy.VERSION}`;

window.__uppy = uppy;
window.__uppyEvents = [];
const log = (type, file, more = {}) => window.__uppyEvents.push({ type, name: file?.name, ...more });
uppy.on("upload-progress", (file, { bytesUploaded, bytesTotal }) =>
  log("upload-progress", file, { loaded: bytesUploaded, total: bytesTotal }));
uppy.on("upload-error", (file, error) => log("upload-error", file, { message: error.message }));
uppy.on("upload-success", (file, response) => {
  const upload = response.body;
  log("upload-success", file, { id: upload.id, url: response.uploadURL, multipart: upload.multipart });
  const link = element("a", { href: response.uploadURL, textContent: "download" });
  rows.append(element(
    "tr",
    { id: `upload-${upload.id}` },
    element("td", { className: "filename", textContent: upload.filename }),
    element("td", { className: "profile", textContent: upload.profile }),
    element("td", { className: "size", textContent: formatSize(upload.size) }),
    element("td", { className: "state", textContent: upload.state }),
    element("td", { className: "actions" }, link),
  ));
});
