import { randomBytes } from "node:crypto";
import { z } from "zod";
import { ProjectConfig } from "../../model/index.js";
import { isTimeZone, NewProject, ProjectSettings, Sender, type Project } from "../../contacts/projects.js";
import { badRequest, conflict, forbidden, notFound } from "../errors.js";
import { ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

export const ProjectOut = z.object({
  id: z.string(),
  name: z.string(),
  defaultSender: Sender.nullable(),
  createdAt: z.number(),
  uniqueKey: z.string(),
  config: ProjectConfig,
});

export function projectOut(p: Project): z.infer<typeof ProjectOut> {
  return { ...p, uniqueKey: p.config.fields.find((f) => f.category === "uniqueKey")?.key ?? "" };
}

/** Projects (tenants): create, list the caller's, read, change settings. */
export default routes(async (app) => {
  app.get("/projects", {
    schema: { tags: ["projects"], summary: "The projects the caller may see", response: { 200: z.object({ projects: z.array(ProjectOut) }) } },
  }, async (request) => {
    const p = request.principal!;
    const { projects, accounts } = app.relais;
    if (p.kind === "key") return { projects: (await projects.list([p.key.projectId])).map(projectOut) };
    const ids = p.user.isAdmin ? undefined : (await accounts.memberships(p.user.id)).map((m) => m.projectId);
    return { projects: (await projects.list(ids)).map(projectOut) };
  });

  app.post("/projects", {
    schema: {
      tags: ["projects"], summary: "Create a project; its creator becomes its admin. The unique key is fixed for the project's life.",
      body: NewProject, response: { 201: ProjectOut },
    },
  }, async (request, reply) => {
    const p = request.principal!;
    if (p.kind !== "user") throw forbidden("API keys belong to one project: create projects as a user");
    const body = request.body;
    if (!isTimeZone(body.timezone)) throw badRequest(`unknown time zone ${body.timezone}`, [{ path: "body.timezone", message: "unknown IANA time zone" }]);
    const { projects, accounts, clock, store } = app.relais;
    const id = body.id ?? `p-${randomBytes(5).toString("hex")}`;
    const project = await store.transaction(async () => {
      if (await projects.exists(id)) throw conflict(`a project with id ${id} exists`);
      const created = await projects.create(body, clock.now(), id);
      await accounts.setMembership(p.user.id, id, "admin");
      return created;
    });
    reply.code(201);
    return projectOut(project);
  });

  app.get("/projects/:projectId", {
    schema: { tags: ["projects"], summary: "A project with its configuration", params: ProjectParams, response: { 200: ProjectOut } },
  }, async (request) => {
    const project = await app.relais.projects.get(request.params.projectId);
    if (!project) throw notFound("project");
    return projectOut(project);
  });

  app.patch("/projects/:projectId", {
    config: { auth: { permission: "admin" } },
    schema: {
      tags: ["projects"], summary: "Change a project's settings (not its unique key)",
      params: ProjectParams, body: ProjectSettings, response: { 200: ProjectOut },
    },
  }, async (request) => {
    const { projects } = app.relais;
    if (request.body.timezone !== undefined && !isTimeZone(request.body.timezone)) {
      throw badRequest(`unknown time zone ${request.body.timezone}`, [{ path: "body.timezone", message: "unknown IANA time zone" }]);
    }
    await projects.updateSettings(request.params.projectId, request.body);
    return projectOut((await projects.get(request.params.projectId))!);
  });
});
