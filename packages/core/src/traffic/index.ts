export { compileTrafficPolicy, trafficPolicyFormat, type TrafficPolicy } from './traffic-policy.js';
export { trafficMatcher, type TrafficMatcher, type CompiledRoute, type CompiledWebhook, type CompiledLive } from './traffic-matcher.js';
export { classifyRequest } from './classify-request.js';
export type { RequestClass, RequestClassification, RouteClassification } from './request-class.js';
export { readRequestPath, lenientSegments, MAX_PATH_CHARS, type RequestPath, type PathProblem } from './request-path.js';
export { readSingleHeader, headerListsToken, type HeaderBag, type SingleHeader } from './header-values.js';
export {
  webhookVerifier,
  verifyWebhookSignature,
  defaultWebhookMaxBodyBytes,
  type WebhookVerifier,
  type WebhookVerifierOptions,
  type WebhookVerification,
} from './webhook-verification.js';
export { parseStripeSignatureHeader } from './stripe-signature.js';
