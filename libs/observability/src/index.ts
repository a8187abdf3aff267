export * from './lib/metrics';
export * from './lib/gc-metrics';
export * from './lib/app-logger';
export * from './lib/request-logger';
