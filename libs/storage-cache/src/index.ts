export * from './lib/caching-storage';
