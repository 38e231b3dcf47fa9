// Small helpers every part of the demo page uses: sizes as people read them, elements, and
// errors that stay on the page until dismissed.

/** Powers of 1024, named as such: the server's limits are written the same way. */
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** @param {number|null|undefined} bytes */
export function formatSize(bytes) {
  if (bytes == null) return "";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit ? value.toFixed(1).replace(/\.0$/, "") : value} ${UNITS[unit]}`;
}

export function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** An error that stays on the page until the person dismisses it. */
export function showMessage(text) {
  const dismiss = element("button", { type: "button", className: "link", textContent: "dismiss" });
  const item = element("li", {}, element("span", { className: "text", textContent: text }), dismiss);
  dismiss.addEventListener("click", () => item.remove());
  document.getElementById("messages").append(item);
}
