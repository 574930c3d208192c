import { z } from "zod";
import { routes } from "./route-plugin.js";

/**
 * The service worker a site serves from its own origin (copy or proxy `GET /push/sw.js`): shows
 * Relais notifications and opens their (tracked) URL on click.
 */
export const SERVICE_WORKER = `self.addEventListener("push", (event) => {
  let n = {};
  try { n = event.data ? event.data.json() : {}; } catch (e) { n = { title: event.data ? event.data.text() : "" }; }
  event.waitUntil(self.registration.showNotification(n.title || "", { body: n.body || "", icon: n.icon, data: { url: n.url } }));
});
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.url;
  if (url) event.waitUntil(self.clients.openWindow(url));
});
`;

/**
 * The script a site includes: `<script src="{relais}/push/subscribe.js?project=ID" data-contact="…"
 * data-token="…" data-sw="/sw.js"></script>`, then calls `RelaisPush.subscribe()` on a user gesture.
 */
export function subscribeScript(project: string): string {
  return `(function () {
  var script = document.currentScript;
  var relais = new URL(script.src).origin;
  var project = ${JSON.stringify(project)};
  function b64(s) {
    var p = (s + "===".slice((s.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(p), function (c) { return c.charCodeAt(0); });
  }
  window.RelaisPush = {
    subscribe: async function () {
      if (!("serviceWorker" in navigator) || !("PushManager" in window)) throw new Error("web push is not supported here");
      if ((await Notification.requestPermission()) !== "granted") return false;
      var reg = await navigator.serviceWorker.register(script.dataset.sw || "/sw.js");
      var key = (await (await fetch(relais + "/api/v1/push/vapid-public-key")).json()).publicKey;
      var sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64(key) });
      var r = await fetch(relais + "/api/v1/push/subscriptions", {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ project: project, contact: script.dataset.contact, token: script.dataset.token, subscription: sub.toJSON() }),
      });
      if (!r.ok) throw new Error("Relais refused the subscription: " + r.status);
      return true;
    },
  };
})();
`;
}

export default routes(async (app) => {
  app.get("/push/subscribe.js", {
    config: { auth: { public: true } },
    schema: { tags: ["push"], summary: "The script a site includes to subscribe its visitors to web push", querystring: z.object({ project: z.string().min(1).max(200) }) },
  }, async (request, reply) => reply.type("text/javascript; charset=utf-8").header("cache-control", "public, max-age=3600").send(subscribeScript(request.query.project)));

  app.get("/push/sw.js", {
    config: { auth: { public: true } },
    schema: { tags: ["push"], summary: "The web push service worker (shows notifications, opens the tracked URL on click)" },
  }, async (_request, reply) => reply.type("text/javascript; charset=utf-8").header("cache-control", "public, max-age=3600").send(SERVICE_WORKER));
}, "");
