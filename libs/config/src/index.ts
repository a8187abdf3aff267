export * from './lib/config';
export * from './lib/access-config';
