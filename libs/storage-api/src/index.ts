export * from './lib/errors';
export * from './lib/paths';
export * from './lib/storage-driver';
export * from './lib/local-files';
