// The plugin sandbox (spec section 8): sandbox files, their matchers, and the runner behind
// `aether dev plugin-test`. Imports the host, the plugin model and the engine's limits; nothing from
// the CLI, so the VS Code extension can embed it.
export { runSandbox, type SandboxOptions, type SandboxReport, type SandboxCaseResult } from './runSandbox';
export { parseSandboxFile, type ParsedSandboxFile, type SandboxFile, type SandboxCase, type SandboxExpectation } from './sandboxFile';
export { compareCase, type CaseOutcome, type SandboxFailure, type ExpectedField } from './compareCase';
export {
  subsetDifference,
  isSubset,
  matchesText,
  parseTextPattern,
  logMatches,
  formatPath,
  type Difference,
  type LogLine,
  type ExpectedLog,
} from './matchers';
