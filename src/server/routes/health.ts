import { z } from "zod";
import { routes } from "./route-plugin.js";

/** `/health`: the process answers and the database does too. */
export default routes(async (app) => {
  app.get("/health", {
    config: { auth: { public: true } },
    schema: { tags: ["operations"], summary: "Liveness and database check", response: { 200: z.object({ status: z.literal("ok"), database: z.string() }) } },
  }, async () => {
    await app.relais.store.execute("SELECT 1 AS ok", []);
    return { status: "ok" as const, database: app.relais.store.dialect };
  });
}, "");
