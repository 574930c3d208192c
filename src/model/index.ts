export * from "./i18n.js";
export * from "./duration.js";
export * from "./rule.js";
export * from "./rule-eval.js";
export * from "./project.js";
export * from "./campaign.js";
export * from "./finding.js";
export * from "./catalog/index.js";
