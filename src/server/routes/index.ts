import access from "./access.js";
import approvals from "./approvals.js";
import auth from "./auth.js";
import campaigns from "./campaigns.js";
import contacts from "./contacts.js";
import emailPreview from "./email-preview.js";
import health from "./health.js";
import imports from "./imports.js";
import metrics from "./metrics.js";
import projectConfig from "./project-config.js";
import projects from "./projects.js";
import reports from "./reports.js";
import simulate from "./simulate.js";
import push from "./push.js";
import pushAssets from "./push-assets.js";
import smsPreview from "./sms-preview.js";
import smsSettings from "./sms-settings.js";
import smsWebhooks from "./sms-webhooks.js";
import templates from "./templates.js";
import tracking from "./tracking.js";
import webhooks from "./webhooks.js";
import emailSettings from "./email-settings.js";
import type { RoutePlugin } from "./route-plugin.js";

/** Every resource plugin, in mount order. */
export const ROUTES: RoutePlugin[] = [health, auth, projects, access, projectConfig, contacts, imports, campaigns, templates, reports, metrics, emailPreview, approvals, simulate, tracking, webhooks, emailSettings, smsPreview, smsSettings, smsWebhooks, push, pushAssets];
