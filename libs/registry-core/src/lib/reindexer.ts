import { digestOf, isValidDigest, parseDigest } from '@refity/digest';
import { MetadataStore } from '@refity/metadata';
import { isStorageError, StorageDriver } from '@refity/storage-api';
import { storageLayout } from './layout';
import { parseManifest } from './manifest';
import { isValidTag, parseRepositoryName } from './names';

export interface ReindexReport {
  groups: number;
  repositories: number;
  blobs: number;
  manifests: number;
  tags: number;
  /** Files that could not be indexed (corrupt manifest, digest mismatch), with the reason. */
  skipped: Array<{ path: string; reason: string }>;
}

const LAYOUT_FOLDERS = new Set(['blobs', 'manifests']);

/**
 * Rebuilds the metadata database from the storage tree alone: every folder under `registry/`
 * holding `blobs/` or `manifests/` is a repository (its path is the name, the first component
 * the group). Manifest files are verified against their digest names; tag files are copies of
 * the tagged manifest, so their digest says which manifest the tag points at.
 */
export class Reindexer {
  constructor(
    private readonly storage: StorageDriver,
    private readonly metadata: MetadataStore,
  ) {}

  async run(onRepository?: (name: string) => void): Promise<ReindexReport> {
    const report: ReindexReport = { groups: 0, repositories: 0, blobs: 0, manifests: 0, tags: 0, skipped: [] };
    const groups = await this.listOrEmpty(storageLayout.root);
    for (const group of groups) {
      report.groups++;
      await this.walk(group, report, onRepository);
    }
    return report;
  }

  private async listOrEmpty(path: string): Promise<string[]> {
    try {
      return await this.storage.list(path);
    } catch (error) {
      if (isStorageError(error, 'NotFound')) return [];
      throw error;
    }
  }

  private async walk(name: string, report: ReindexReport, onRepository?: (name: string) => void): Promise<void> {
    const entries = await this.listOrEmpty(storageLayout.repository(name));
    if (entries.some((entry) => LAYOUT_FOLDERS.has(entry)) && name.includes('/')) {
      await this.indexRepository(name, report);
      onRepository?.(name);
    } else {
      const groupName = name.split('/')[0];
      if (!name.includes('/')) await this.metadata.ensureGroup(groupName);
    }
    for (const entry of entries) {
      if (LAYOUT_FOLDERS.has(entry)) continue;
      if ((await this.storage.stat(`${storageLayout.repository(name)}/${entry}`)).isDirectory) await this.walk(`${name}/${entry}`, report, onRepository);
    }
  }

  private async indexRepository(name: string, report: ReindexReport): Promise<void> {
    try {
      parseRepositoryName(name);
    } catch {
      report.skipped.push({ path: storageLayout.repository(name), reason: 'not a valid repository name' });
      return;
    }
    const group = await this.metadata.ensureGroup(name.split('/')[0]);
    const repository = await this.metadata.ensureRepository(name, group.id);
    report.repositories++;

    for (const file of await this.listOrEmpty(`${storageLayout.repository(name)}/blobs`)) {
      if (!isValidDigest(file)) continue;
      const info = await this.storage.stat(storageLayout.blob(name, file));
      await this.metadata.recordBlob(repository.id, file, info.size);
      report.blobs++;
    }

    const manifestFiles = await this.listOrEmpty(`${storageLayout.repository(name)}/manifests`);
    const indexed = new Set<string>();
    for (const file of manifestFiles.filter((entry) => isValidDigest(entry))) {
      const path = storageLayout.manifest(name, file);
      const body = await this.storage.readFile(path);
      if (digestOf(body, parseDigest(file).algorithm) !== file) {
        report.skipped.push({ path, reason: 'content does not match its digest' });
        continue;
      }
      try {
        const parsed = parseManifest(body, undefined);
        await this.metadata.putManifest(repository.id, { ...parsed.record, digest: file, size: body.length });
        indexed.add(file);
        report.manifests++;
      } catch (error) {
        report.skipped.push({ path, reason: (error as Error).message });
      }
    }
    for (const tag of manifestFiles.filter((entry) => !entry.includes(':') && isValidTag(entry))) {
      const path = storageLayout.tag(name, tag);
      const body = await this.storage.readFile(path);
      const digest = digestOf(body);
      if (!indexed.has(digest)) {
        report.skipped.push({ path, reason: `tag points at ${digest}, which has no manifest file` });
        continue;
      }
      const parsed = parseManifest(body, undefined);
      await this.metadata.putManifest(repository.id, { ...parsed.record, digest, size: body.length }, tag);
      report.tags++;
    }
  }
}
