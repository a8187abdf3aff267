export * from './lib/sftp-storage-driver';
export * from './lib/sftp-options';
