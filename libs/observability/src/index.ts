export * from './lib/metrics';
export * from './lib/gc-metrics';
