// The pure pipeline layer: parse and validate pipeline files, the `${{ }}` language, the needs graph, units.
export { parsePipeline, rangeOf, nodeAtPath, type ParsedPipeline } from './parse';
export {
  parseTemplate,
  hasExpression,
  resolveValue,
  evaluate,
  ExpressionError,
  type ExpressionRef,
  type ExpressionScope,
  type ExpressionSyntaxError,
  type ParsedTemplate,
  type TemplatePart,
} from './expressions';
export { buildStepGraph, findCycle, findCycles, upstreamOf, topologicalOrder, type StepGraph } from './graph';
export { parseDuration, parseMemory } from './units';
export { closestMatch, levenshtein } from './suggestions';
