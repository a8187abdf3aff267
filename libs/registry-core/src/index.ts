export * from './lib/layout';
export * from './lib/manifest';
export * from './lib/names';
export * from './lib/oci-error';
export * from './lib/registry.service';
export * from './lib/upload-buffer';
export * from './lib/image-inspector';
export * from './lib/registry-admin.service';
