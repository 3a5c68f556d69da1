// The sources the integration suite's local stack runs with (merged into run.ts's config), one per
// scheme and plain shape, with test-only secrets. Against a deployed stack the suite runs the
// sources cases only for these names, with the secrets from SLUICE_SOURCE_SECRET_<NAME>.
export const IT_SOURCES = {
  demo: { verify: "hmac-sha256", signatureHeader: "x-demo-signature", signaturePrefix: "sha256=", id: "json:/id", type: "com.example.demo.{json:/kind}" },
  "it-sw": { verify: "standard-webhooks", webhookOrigins: ["hooks.it.example"] },
  "it-github": { verify: "github" },
  "it-stripe": { verify: "stripe" },
  "it-hmac": { verify: "hmac-sha256", type: "com.example.hmac", signatureHeader: "x-it-signature", signaturePrefix: "sha256=" },
  "it-orders": { verify: "none", id: "sha256", type: "com.example.order" },
  "it-telemetry": { verify: "none", type: "com.example.telemetry.{json:/type}" },
  "it-legacy": { verify: "none", id: "json:/metadata/message_id", type: "com.example.legacy", jsonOnly: true },
  "it-throttled": { verify: "none", type: "com.example.throttled", rateLimit: 1, burstLimit: 1 },
};

export const IT_SOURCE_SECRETS: Record<string, string[]> = {
  demo: ["dev-only-demo-secret"],
  "it-sw": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2Vjb25kLXNlY3JldC1mb3ItaW50ZWdyYXRpb24="],
  "it-github": ["it-github-current", "it-github-previous"],
  "it-stripe": ["whsec_it_stripe_test_secret"],
  "it-hmac": ["it-hmac-secret"],
};

export const IT_SOURCES_CONFIG: Record<string, string> = {
  "sluice:sources": JSON.stringify(IT_SOURCES),
  "sluice:sourceSecrets": JSON.stringify(IT_SOURCE_SECRETS),
};
