export * from './lib/storage-driver-contract';
