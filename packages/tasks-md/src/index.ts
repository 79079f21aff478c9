export * from './model';
export { parseTasks } from './parse';
export { planTasks } from './plan';
export type { Plan, PlanOptions, Dependency, EdgeReason, EdgeRule } from './plan';
export { extractDeclaredPaths, extractDependencyRefs, isUnsafePath, normalizeDeclaredPath } from './task-text';
export { analyzeFeature, formatDiagnostic, readFeature, REQUIRED_DOCUMENTS } from './feature';
export type { FeatureAnalysis, FeatureDocuments } from './feature';
export { markDone, CheckpointError } from './checkpoint';
export type { MarkResult } from './checkpoint';
