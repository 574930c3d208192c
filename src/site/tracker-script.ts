import { SITE_LIMITS } from "./site-batch.js";
import { SITE_TOKEN_PARAM } from "./identity-token.js";

/** The tracker's first-party cookie (the visitor id); 13 months, like the identified history. */
export const VISITOR_COOKIE = "relais_vid";

/**
 * The tracker a site includes (docs/site-tracking.md): no dependency, ES2017, the same text for
 * every project (its URL, `/s/<project>/tracker.js`, says where to send). It keeps a visitor id in
 * a first-party cookie, sends a `page_view` on load, reads then removes the identity token a Relais
 * link added to the URL, queues events and sends them in one request a second later, or with
 * `sendBeacon` when the page is hidden. Commands, before or after it loads:
 * `relais("product_view", {sku, category})`, `relais("cart_update", {items})`,
 * `relais("purchase", {orderId, total, items})`, `relais("table_row", {table, row})`, `relais("page_view")`,
 * `relais("identify", token)`.
 */
export const TRACKER_JS = `/* Relais site tracker — docs/site-tracking.md */
(function () {
  "use strict";
  var w = window, d = document, s = d.currentScript;
  var m = s && /^(.*)\\/s\\/([^/]+)\\/tracker\\.js$/.exec(s.src.split("?")[0]);
  if (!m || (w.relais && w.relais.loaded)) return;
  var endpoint = m[1] + "/s/" + m[2] + "/collect", MAX = ${SITE_LIMITS.eventsPerBatch}, KEEP = 500;
  var COOKIE = "${VISITOR_COOKIE}", PARAM = "${SITE_TOKEN_PARAM}", AGE = 34128000;
  var queue = [], token = null, timer = null, pausedUntil = 0;
  function newId() {
    var a = new Uint8Array(16), out = "", abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    w.crypto.getRandomValues(a);
    for (var i = 0; i < a.length; i++) out += abc[a[i] & 63];
    return out + Date.now().toString(36);
  }
  var found = new RegExp("(?:^|;\\\\s*)" + COOKIE + "=([A-Za-z0-9_-]{16,64})").exec(d.cookie);
  var visitor = found ? found[1] : newId();
  d.cookie = COOKIE + "=" + visitor + "; path=/; max-age=" + AGE + "; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
  function here() {
    var u = new URL(location.href);
    u.hash = "";
    return u.href;
  }
  // The identity token of a Relais link: kept for the next request, removed from the address bar.
  try {
    var u = new URL(location.href), t = u.searchParams.get(PARAM);
    if (t) {
      token = t;
      u.searchParams.delete(PARAM);
      history.replaceState(history.state, "", u.href);
    }
  } catch (e) { /* no URL API: no token */ }
  function schedule(ms) {
    if (timer && ms === 0) { clearTimeout(timer); timer = null; }
    if (!timer) timer = setTimeout(function () { timer = null; send(false); }, ms);
  }
  function back(events, t) {
    queue = events.concat(queue).slice(-KEEP);
    if (t && !token) token = t;
  }
  function send(hidden) {
    if (!queue.length && !token) return;
    if (!hidden && Date.now() < pausedUntil) return schedule(pausedUntil - Date.now());
    var events = queue.splice(0, MAX), t = token, body = { visitor: visitor, events: events };
    token = null;
    if (t) body.identify = t;
    var json = JSON.stringify(body);
    if (hidden && navigator.sendBeacon && navigator.sendBeacon(endpoint, json)) return queue.length ? send(true) : undefined;
    if (queue.length) schedule(200);
    fetch(endpoint, { method: "POST", body: json, keepalive: json.length < 60000, credentials: "omit", headers: { "content-type": "text/plain" } })
      .then(function (r) {
        if (r.status === 429 || r.status >= 500) {
          pausedUntil = Date.now() + 1000 * (Number(r.headers.get("retry-after")) || 30);
          back(events, t);
          schedule(pausedUntil - Date.now());
        }
        // Other refusals (4xx) would be refused again: the events are dropped.
      }, function () { back(events, t); schedule(5000); });
  }
  function push(ev) {
    queue.push(ev);
    if (queue.length > KEEP) queue.shift();
    schedule(queue.length >= MAX ? 0 : 1000);
  }
  function relais(cmd, data) {
    data = data || {};
    if (cmd === "identify") { token = String(data.token || data); schedule(0); return; }
    if (cmd === "flush") return send(false);
    var ev = { type: cmd };
    if (cmd === "page_view") {
      ev.url = data.url || here();
      ev.title = String(data.title != null ? data.title : d.title).slice(0, 500);
      if (d.referrer) ev.referrer = d.referrer.slice(0, 2000);
    } else if (cmd === "product_view" || cmd === "cart_update" || cmd === "purchase" || cmd === "table_row") {
      for (var k in data) ev[k] = data[k];
    } else {
      throw new Error("relais: unknown command " + cmd);
    }
    push(ev);
  }
  var early = (w.relais && w.relais.q) || [];
  relais.loaded = true;
  relais.visitor = visitor;
  w.relais = relais;
  if (s.getAttribute("data-auto-page-view") !== "false") relais("page_view");
  for (var i = 0; i < early.length; i++) relais.apply(null, early[i]);
  d.addEventListener("visibilitychange", function () { if (d.visibilityState === "hidden") send(true); });
  w.addEventListener("pagehide", function () { send(true); });
})();
`;
