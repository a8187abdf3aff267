import { CatalogQueries, GroupEntity, MetadataStore, RepositoryEntity } from '@refity/metadata';
import { isStorageError, StorageDriver } from '@refity/storage-api';
import { storageLayout } from './layout';
import { isValidGroupName, parseRepositoryName } from './names';
import { RegistryService } from './registry.service';

export type RegistryAdminErrorKind = 'invalid' | 'not-found' | 'conflict';

/** A refused admin operation; the admin API maps `kind` to 400 / 404 / 409. */
export class RegistryAdminError extends Error {
  constructor(
    readonly kind: RegistryAdminErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryAdminError';
  }
}

export interface TagDeletion {
  tag: string;
  digest: string;
  /** True when no other tag or index pointed at the manifest, so it was deleted too. */
  manifestDeleted: boolean;
}

/**
 * Operator actions on groups, repositories and tags that the /v2 API does not offer: creating
 * empty groups and repositories, and deletes that remove the files on storage as well as the
 * metadata. Storage goes first, so a failure (SFTP down) leaves the entry listed for a retry
 * rather than files nobody can see.
 */
export class RegistryAdminService {
  constructor(
    private readonly storage: StorageDriver,
    private readonly metadata: MetadataStore,
    private readonly catalog: CatalogQueries,
    private readonly registry: RegistryService,
  ) {}

  async createGroup(name: string): Promise<GroupEntity> {
    if (!isValidGroupName(name)) {
      throw new RegistryAdminError('invalid', `invalid group name "${name}": lowercase letters and digits, separated by ".", "_", "__" or "-", at most 128 characters`);
    }
    if (await this.metadata.findGroup(name)) throw new RegistryAdminError('conflict', `group ${name} already exists`);
    return this.metadata.ensureGroup(name);
  }

  /** Deletes a group; with repositories in it only when `force`, which deletes them (and their files) too. */
  async deleteGroup(name: string, force: boolean): Promise<{ deletedRepositories: string[] }> {
    const group = await this.metadata.findGroup(name);
    if (!group) throw new RegistryAdminError('not-found', `group ${name} does not exist`);
    const repositories = await this.catalog.repositoriesOfGroup(group.id);
    if (repositories.length > 0 && !force) {
      throw new RegistryAdminError(
        'conflict',
        `group ${name} has ${repositories.length} repositories (${repositories.map((repository) => repository.name).join(', ')}); delete them first or pass force=true`,
      );
    }
    await this.removeFolder(storageLayout.group(name));
    await this.metadata.transaction(async (manager) => {
      // Repositories, tags, manifests and blob records go with it (ON DELETE CASCADE).
      await manager.delete(GroupEntity, { id: group.id });
    });
    return { deletedRepositories: repositories.map((repository) => repository.name) };
  }

  /** An empty repository in an existing group, so it shows in the console before the first push. */
  async createRepository(name: string): Promise<RepositoryEntity> {
    const { group } = this.parseName(name);
    const groupEntity = await this.metadata.findGroup(group);
    if (!groupEntity) throw new RegistryAdminError('not-found', `group ${group} does not exist; create it first`);
    if (await this.metadata.findRepository(name)) throw new RegistryAdminError('conflict', `repository ${name} already exists`);
    return this.metadata.ensureRepository(name, groupEntity.id);
  }

  /**
   * Deletes a repository's files and metadata. Only its own `blobs/` and `manifests/` folders are
   * removed: a nested repository (`team/app/sub` under `team/app`) lives in the same folder tree.
   */
  async deleteRepository(name: string): Promise<void> {
    this.parseName(name);
    const repository = await this.metadata.findRepository(name);
    if (!repository) throw new RegistryAdminError('not-found', `repository ${name} does not exist`);
    const folder = storageLayout.repository(name);
    await this.removeFolder(`${folder}/manifests`);
    await this.removeFolder(`${folder}/blobs`);
    const rest = await this.storage.list(folder).catch((error) => {
      if (isStorageError(error, 'NotFound')) return null;
      throw error;
    });
    if (rest !== null && rest.length === 0) await this.removeFolder(folder);
    await this.metadata.deleteRepository(repository.id);
  }

  /**
   * Deletes a tag (metadata and its tag file). The manifest goes too when nothing else refers to
   * it (no other tag, no index of the repository); otherwise it stays, pullable by digest.
   */
  async deleteTag(name: string, tag: string): Promise<TagDeletion> {
    const repository = await this.registry.repositoryForRead(name);
    const manifest = await this.registry.findManifest(name, tag);
    await this.registry.deleteManifest(name, tag);
    const stillReferenced =
      (await this.catalog.tagsPointingAt(repository.id, manifest.digest)).length > 0 ||
      (await this.catalog.isIndexChild(repository.id, manifest.digest));
    if (!stillReferenced) await this.registry.deleteManifest(name, manifest.digest);
    return { tag, digest: manifest.digest, manifestDeleted: !stillReferenced };
  }

  private parseName(name: string) {
    try {
      return parseRepositoryName(name);
    } catch (error) {
      throw new RegistryAdminError('invalid', (error as Error).message);
    }
  }

  private async removeFolder(path: string): Promise<void> {
    await this.storage.deleteFolder(path).catch((error) => {
      if (!isStorageError(error, 'NotFound')) throw error;
    });
  }
}
