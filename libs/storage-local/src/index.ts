export * from './lib/local-storage-driver';
