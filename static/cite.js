/* Copy a citation to the clipboard, or download it as a file. Each citation text
   (<pre class="cite-text" data-label data-filename data-type [data-crlf]>) gets a Copy and
   a Download button from this script (without script the text is there to select); a
   polite live region (#cite-status) says "Copied". No inline handlers (CSP: script-src 'self'). */
(function () {
  "use strict";

  var RESET_MS = 2000;

  function copyWithSelection(text) {
    // Older browsers and insecure origins (http on a LAN): copy from an off-screen textarea.
    var buffer = document.createElement("textarea");
    buffer.className = "cite-copy-buffer";
    buffer.value = text;
    buffer.setAttribute("readonly", "");
    document.body.appendChild(buffer);
    buffer.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    document.body.removeChild(buffer);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyWithSelection(text); });
    }
    return copyWithSelection(text);
  }

  function selectContents(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function announce(status, message) {
    if (!status) return;
    status.textContent = "";
    // A fresh text node makes screen readers announce a repeated message again.
    window.setTimeout(function () { status.textContent = message; }, 30);
  }

  function setup(button, status) {
    var source = document.getElementById(button.dataset.copy);
    var label = button.querySelector(".copy-label");
    if (!source || !label) return;
    var timer = null;
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(source.textContent).then(function () {
        label.textContent = "Copied";
        button.classList.add("is-copied");
        announce(status, ("Copied " + (button.dataset.label || "")).trim());
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          label.textContent = "Copy";
          button.classList.remove("is-copied");
        }, RESET_MS);
      }, function () {
        selectContents(source);
        announce(status, "Could not copy; the text is selected, press Ctrl+C to copy it");
      });
    });
  }

  function button(attributes, label, hiddenLabel) {
    var element = document.createElement("button");
    element.type = "button";
    Object.keys(attributes).forEach(function (name) { element.setAttribute(name, attributes[name]); });
    element.appendChild(label);
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = hiddenLabel;
    element.appendChild(hidden);
    return element;
  }

  function addButtons(text) {
    // <button class="button-link copy-button" data-copy="<id>"><span class="copy-label">Copy</span>…
    var label = text.dataset.label;
    var copyLabel = document.createElement("span");
    copyLabel.className = "copy-label";
    copyLabel.textContent = "Copy";
    var actions = document.createElement("p");
    actions.className = "cite-actions";
    actions.appendChild(button(
      { "class": "button-link copy-button", "data-copy": text.id, "data-label": label, hidden: "" },
      copyLabel, " " + label));
    var download = { "class": "button-link", "data-download": text.id, "data-filename": text.dataset.filename,
                     "data-type": text.dataset.type, hidden: "" };
    if (text.hasAttribute("data-crlf")) download["data-crlf"] = "";
    var extension = text.dataset.filename.slice(text.dataset.filename.lastIndexOf("."));
    actions.appendChild(button(download, document.createTextNode("Download"), " " + label));
    actions.lastChild.appendChild(document.createTextNode(" " + extension));
    text.insertAdjacentElement("afterend", actions);
  }

  function setupDownload(button) {
    var source = document.getElementById(button.dataset.download);
    if (!source || typeof URL.createObjectURL !== "function") return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.textContent;
      if (button.hasAttribute("data-crlf")) text = text.replace(/\r?\n/g, "\r\n");
      var blob = new Blob([text], { type: button.dataset.type + ";charset=utf-8" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = button.dataset.filename;
      link.hidden = true;
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("cite-status");
    document.querySelectorAll("pre.cite-text[data-filename]").forEach(addButtons);
    document.querySelectorAll("button[data-copy]").forEach(function (button) { setup(button, status); });
    document.querySelectorAll("button[data-download]").forEach(setupDownload);
  });
})();
