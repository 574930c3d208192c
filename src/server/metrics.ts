import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { liveCounts } from "../reports/live-counts.js";
import type { DirectoryDb } from "../store/directory/directory-db.js";

/**
 * The process metrics (CPU, memory, event loop lag, GC, handles) describe the process, not an
 * app: they are collected once per process into their own registry, shared by every `Metrics`
 * (a test builds many apps; registering them per app would stack observers on the same process).
 */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The Prometheus metrics of one server: counters fed by the engine (`onBatch`) and by the HTTP
 * hook, gauges computed from the database on each scrape. Each instance has its own registry,
 * never prom-client's global one, so apps built side by side do not share figures.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly steps = new Counter({
    name: "relais_steps_total", help: "Contact-steps moved by this process's engine (its rate is the engine's steps per second)", registers: [this.registry],
  });
  private readonly waiting = new Gauge({
    name: "relais_tokens_waiting", help: "Contacts inside each campaign: journeys not ended (ready, waiting at a delay or held)",
    labelNames: ["project", "campaign"] as const, registers: [this.registry],
  });
  private readonly outboxDepth = new Gauge({
    name: "relais_outbox_depth", help: "Messages queued in the outbox, not yet handed to a transport", registers: [this.registry],
  });
  private readonly messages = new Gauge({
    name: "relais_messages_total",
    help: "Messages in the database by channel and status (every process's, counted on scrape; sent, skipped and failed only grow)",
    labelNames: ["channel", "status"] as const, registers: [this.registry],
  });
  private readonly requests = new Counter({
    name: "relais_http_requests_total", help: "HTTP requests answered, by method, route pattern and status code",
    labelNames: ["method", "route", "status"] as const, registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: "relais_http_request_duration_seconds", help: "Time to answer an HTTP request, by method and route pattern",
    labelNames: ["method", "route"] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });

  /** For `EngineOptions.onBatch`: a batch moved `count` contact-steps. */
  readonly onBatch = (_element: string, count: number): void => {
    if (count > 0) this.steps.inc(count);
  };

  /** Records one answered request; `route` is the route's pattern (`/api/v1/projects/:projectId`), never the raw URL. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.duration.observe({ method, route }, seconds);
  }

  /** The Prometheus text exposition: the database gauges are refreshed first, then every metric is printed. */
  async render(db: DirectoryDb): Promise<string> {
    const counts = await liveCounts(db);
    this.waiting.reset();
    for (const c of counts.campaigns) {
      const n = counts.inside.get(c.id) ?? 0;
      // Live campaigns show 0 rather than vanish; stopped and draft ones only while contacts remain inside.
      if (n > 0 || c.status === "active" || c.status === "paused") this.waiting.set({ project: c.project, campaign: c.id }, n);
    }
    this.messages.reset();
    let queued = 0;
    for (const m of counts.messages) {
      this.messages.set({ channel: m.channel, status: m.status }, m.n);
      if (m.status === "queued") queued += m.n;
    }
    this.outboxDepth.set(queued);
    return `${await this.registry.metrics()}\n${await processMetrics().metrics()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Counts every answered request (errors and unknown routes too) by its route pattern. */
export function registerHttpMetrics(app: FastifyInstance): void {
  app.addHook("onResponse", async (request, reply) => {
    // Unknown URLs share one label: a scanner must not create a series per path it tries.
    // The web app's catch-all answers unknown API paths with a 404: those are unmatched too.
    const url = request.routeOptions.url;
    const route = url === undefined || (url === "/*" && reply.statusCode === 404) ? "unmatched" : url;
    app.relais.metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
}
