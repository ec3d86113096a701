// nest-scoped-throttle/testing: what tests of an app (or of a custom store) use.
export { FakeClock } from './fake-clock';
export { ReferenceModel, ReferenceSlidingLog } from './reference-model';
export { describeStorageConformance } from './storage-conformance';
export type { ConformanceSubject, ConformanceOptions } from './storage-conformance';
