export * from './lib/metrics';
export * from './lib/gc-metrics';
export * from './lib/request-logger';
