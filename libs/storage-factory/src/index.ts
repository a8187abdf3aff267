export * from './lib/create-storage-driver';
