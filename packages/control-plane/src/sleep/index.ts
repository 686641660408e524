export { sleepIdleEnvironments, type SleepDeps, type SleepEvidence } from './sleep-controller.js';
export { recordEdgeActivity, activityOf, type ActivityReport, type EdgeActivity } from './edge-activity.js';
