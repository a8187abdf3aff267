export * from './lib/storage-driver-contract';
export * from './lib/sshd-harness';
export * from './lib/postgres-harness';
