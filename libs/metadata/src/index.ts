export * from './lib/entities/entities';
export * from './lib/data-source';
export * from './lib/metadata-store';
export * from './lib/user-store';
export * from './lib/catalog-queries';
export * from './lib/retention-store';
