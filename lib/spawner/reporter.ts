// The spawner and the webhook server report alike: the reporter lives in lib/github.
export { type ReportBackoff, reportingOf, TaskReporter, webOrigin } from '../github/task-reporter.js';
