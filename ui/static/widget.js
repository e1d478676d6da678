/*
 * Teller chat bubble. Paste into any page of an allowed origin (TELLER_CORS_ORIGINS):
 *   <script src="https://assistant.example-bank.com/widget.js" defer
 *           data-title="Ask Example Bank" data-color="#1f5fae" data-locale="zh"></script>
 * It adds a round button in the bottom-right corner that opens the Teller chat in a frame.
 * data-locale (optional): the language the chat speaks and reads on this page ("zh", "es");
 * without it, the chat answers each message in its own language.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || document.getElementById("teller-widget-button")) { return; }
  var base = new URL(script.src, window.location.href).origin;
  var title = script.getAttribute("data-title") || "Chat with us";
  var color = script.getAttribute("data-color") || "#1f5fae";
  if (!/^#[0-9a-fA-F]{6}$/.test(color)) { color = "#1f5fae"; }
  var locale = script.getAttribute("data-locale") || "";
  if (!/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(locale)) { locale = ""; }

  // A drawn speech bubble, not an emoji or icon font: those show as an empty box on
  // systems without the glyph.
  function bubbleIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("fill-rule", "evenodd");  // the three dots are holes in the bubble
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5" +
      "a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z" +
      "m5 0a1.5 1.5 0 1 0 0 .01z");
    svg.appendChild(path);
    return svg;
  }

  var button = document.createElement("button");
  button.id = "teller-widget-button";
  button.type = "button";
  button.appendChild(bubbleIcon());
  button.setAttribute("aria-label", title);
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "teller-widget-panel");
  button.style.cssText = "position:fixed;right:20px;bottom:20px;width:56px;height:56px;" +
    "border-radius:50%;border:none;background:" + color + ";color:#fff;padding:0;" +
    "display:flex;align-items:center;justify-content:center;cursor:pointer;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000";

  var panel = document.createElement("div");
  panel.id = "teller-widget-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  panel.hidden = true;
  panel.style.cssText = "position:fixed;right:20px;bottom:88px;width:min(400px,calc(100vw - 24px));" +
    "height:min(640px,calc(100vh - 110px));border-radius:12px;overflow:hidden;background:#fff;" +
    "box-shadow:0 8px 30px rgba(0,0,0,.3);z-index:2147483000";

  var frame = document.createElement("iframe");
  frame.id = "teller-widget-frame";
  frame.title = title;
  frame.style.cssText = "width:100%;height:100%;border:0";
  panel.appendChild(frame);

  button.addEventListener("click", function () {
    var opening = panel.hidden;
    if (opening && !frame.src) {  // load the chat on first open
      frame.src = base + "/" + (locale ? "?locale=" + encodeURIComponent(locale) : "");
    }
    panel.hidden = !opening;
    button.setAttribute("aria-expanded", String(opening));
    if (opening) { frame.focus(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { button.click(); button.focus(); }
  });
  document.body.appendChild(panel);
  document.body.appendChild(button);
})();
