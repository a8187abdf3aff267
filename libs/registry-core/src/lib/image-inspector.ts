import { CatalogQueries, ManifestEntity, ManifestReferenceEntity } from '@refity/metadata';
import { ociErrors } from './oci-error';
import { RegistryService } from './registry.service';

/** Config blobs larger than this are not parsed (an image config is a few KiB). */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Config summaries kept in memory; they are content-addressed, so never stale. */
const CONFIG_CACHE_ENTRIES = 1000;

export interface LayerInfo {
  digest: string;
  size: number;
  mediaType: string | null;
}

export interface Platform {
  os: string;
  architecture: string;
  variant: string | null;
}

export interface PlatformManifest {
  /** Null when the index does not say. */
  platform: Platform | null;
  digest: string;
  mediaType: string | null;
  /** Compressed size of the child image (config + layers); null when the child is not stored. */
  size: number | null;
}

export interface HistoryEntry {
  created: string | null;
  createdBy: string | null;
  comment: string | null;
  emptyLayer: boolean;
}

export interface ImageConfigSummary {
  os: string | null;
  architecture: string | null;
  variant: string | null;
  created: string | null;
  author: string | null;
  entrypoint: string[] | null;
  cmd: string[] | null;
  env: string[];
  labels: Record<string, string>;
  workingDir: string | null;
  user: string | null;
  exposedPorts: string[];
}

/** One image manifest: what a pull of it downloads and how it was built. */
export interface ManifestDetail {
  digest: string;
  mediaType: string;
  artifactType: string | null;
  /** Compressed bytes: config + layers. */
  size: number;
  configDigest: string | null;
  layers: LayerInfo[];
  /** From the config blob; null when missing, too large or not an image config (an artifact). */
  config: ImageConfigSummary | null;
  history: HistoryEntry[];
}

export interface ReferrerInfo {
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string | null;
  annotations: Record<string, string> | null;
}

export interface TagDetail {
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  /** Compressed bytes; for an index, summed over its platforms. */
  size: number;
  pushedAt: Date;
  isIndex: boolean;
  /** The children of an index, or the image's own platform. */
  platforms: PlatformManifest[];
  /** The image itself, or the first stored platform of an index. */
  image: ManifestDetail | null;
  /** Manifests whose subject is this one: signatures, SBOMs, attestations. */
  referrers: ReferrerInfo[];
  /** Other tags pointing at the same manifest. */
  otherTags: string[];
  /** The manifest document exactly as pushed. */
  manifest: unknown;
}

export interface TagSummary {
  name: string;
  digest: string;
  mediaType: string | null;
  artifactType: string | null;
  size: number;
  platforms: Platform[];
  pushedAt: Date;
}

interface ParsedConfig {
  config: ImageConfigSummary;
  history: HistoryEntry[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const texts = (value: unknown): string[] | null => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : null);

function platformOf(config: Pick<ImageConfigSummary, 'os' | 'architecture' | 'variant'> | null | undefined): Platform | null {
  if (!config?.os || !config.architecture) return null;
  return { os: config.os, architecture: config.architecture, variant: config.variant };
}

/** `os/architecture[/variant]` as stored in manifest references. */
function parsePlatform(value: string | null): Platform | null {
  const [os, architecture, variant] = value?.split('/') ?? [];
  return os && architecture ? { os, architecture, variant: variant ?? null } : null;
}

/** Image size from a manifest's references: its config and layers. */
function imageSize(references: ManifestReferenceEntity[]): number {
  return references.filter((reference) => reference.kind === 'config' || reference.kind === 'layer').reduce((sum, reference) => sum + reference.size, 0);
}

/** Summarises an OCI / Docker image config document. */
export function summariseImageConfig(document: unknown): ParsedConfig {
  const root = isObject(document) ? document : {};
  const config = isObject(root['config']) ? root['config'] : {};
  const labels = isObject(config['Labels']) ? config['Labels'] : {};
  return {
    config: {
      os: text(root['os']),
      architecture: text(root['architecture']),
      variant: text(root['variant']),
      created: text(root['created']),
      author: text(root['author']),
      entrypoint: texts(config['Entrypoint']),
      cmd: texts(config['Cmd']),
      env: texts(config['Env']) ?? [],
      labels: Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
      workingDir: text(config['WorkingDir']) || null,
      user: text(config['User']) || null,
      exposedPorts: isObject(config['ExposedPorts']) ? Object.keys(config['ExposedPorts']) : [],
    },
    history: (Array.isArray(root['history']) ? root['history'] : []).filter(isObject).map((entry) => ({
      created: text(entry['created']),
      createdBy: text(entry['created_by']),
      comment: text(entry['comment']),
      emptyLayer: entry['empty_layer'] === true,
    })),
  };
}

/**
 * Reads what the console shows about tags and manifests: sizes and platforms from metadata,
 * layers from the manifest references, entrypoint / env / labels / history from the config blob.
 */
export class ImageInspector {
  private readonly configs = new Map<string, ParsedConfig | null>();

  constructor(
    private readonly registry: RegistryService,
    private readonly catalog: CatalogQueries,
  ) {}

  async tags(name: string): Promise<TagSummary[]> {
    const repository = await this.registry.repositoryForRead(name);
    const tags = await this.catalog.tags(repository.id);
    const manifests = tags.map((tag) => tag.manifest).filter((manifest): manifest is ManifestEntity => manifest !== null);
    const references = await this.catalog.references(manifests.map((manifest) => manifest.id));
    const childSizes = await this.childImageSizes(repository.id, [...references.values()].flat());
    const summaries: TagSummary[] = [];
    for (const tag of tags) {
      const manifest = tag.manifest;
      const own = manifest ? (references.get(manifest.id) ?? []) : [];
      const children = own.filter((reference) => reference.kind === 'manifest');
      const isIndex = children.length > 0;
      const configDigest = manifest?.configDigest;
      const imagePlatform = !isIndex && configDigest ? platformOf((await this.imageConfig(name, configDigest))?.config) : null;
      summaries.push({
        name: tag.name,
        digest: tag.digest,
        mediaType: manifest?.mediaType ?? null,
        artifactType: manifest?.artifactType ?? null,
        size: isIndex ? children.reduce((sum, child) => sum + (childSizes.get(child.digest) ?? 0), 0) : imageSize(own),
        platforms: isIndex
          ? children.map((child) => parsePlatform(child.platform)).filter((platform): platform is Platform => platform !== null)
          : imagePlatform
            ? [imagePlatform]
            : [],
        pushedAt: tag.pushedAt,
      });
    }
    return summaries;
  }

  async tagDetail(name: string, tag: string): Promise<TagDetail> {
    const repository = await this.registry.repositoryForRead(name);
    const stored = await this.registry.findManifest(name, tag);
    const manifest = await this.manifestEntity(repository.id, stored.digest);
    const references = (await this.catalog.references([manifest.id])).get(manifest.id) ?? [];
    const document: unknown = JSON.parse((await this.registry.readManifest(name, stored.digest)).toString('utf8'));
    const tagsHere = await this.catalog.tagsPointingAt(repository.id, stored.digest);
    const pushedAt = tagsHere.find((entry) => entry.name === tag)?.updatedAt ?? manifest.createdAt;
    const referrers = (await this.registry.referrers(name, stored.digest)).map((referrer) => ({
      digest: referrer.digest,
      mediaType: referrer.mediaType,
      size: referrer.size,
      artifactType: referrer.artifactType ?? null,
      annotations: referrer.annotations ?? null,
    }));
    const children = references.filter((reference) => reference.kind === 'manifest');
    const isIndex = children.length > 0 || (isObject(document) && Array.isArray(document['manifests']));
    let platforms: PlatformManifest[];
    let image: ManifestDetail | null;
    if (isIndex) {
      const childSizes = await this.childImageSizes(repository.id, children);
      platforms = children.map((child) => ({
        platform: parsePlatform(child.platform),
        digest: child.digest,
        mediaType: child.mediaType,
        size: childSizes.get(child.digest) ?? null,
      }));
      const firstStored = children.find((child) => childSizes.has(child.digest));
      image = firstStored ? await this.describe(name, firstStored.digest) : null;
    } else {
      image = await this.detail(name, manifest, references);
      const platform = platformOf(image.config);
      platforms = platform ? [{ platform, digest: manifest.digest, mediaType: manifest.mediaType, size: image.size }] : [];
    }
    return {
      repository: name,
      tag,
      digest: stored.digest,
      mediaType: manifest.mediaType,
      artifactType: manifest.artifactType,
      size: isIndex ? platforms.reduce((sum, platform) => sum + (platform.size ?? 0), 0) : (image?.size ?? 0),
      pushedAt,
      isIndex,
      platforms,
      image,
      referrers,
      otherTags: tagsHere.map((entry) => entry.name).filter((other) => other !== tag),
      manifest: document,
    };
  }

  /** One image manifest by digest (e.g. a platform of an index). */
  async describe(name: string, digest: string): Promise<ManifestDetail> {
    const repository = await this.registry.repositoryForRead(name);
    const stored = await this.registry.findManifest(name, digest);
    const manifest = await this.manifestEntity(repository.id, stored.digest);
    const references = (await this.catalog.references([manifest.id])).get(manifest.id) ?? [];
    return this.detail(name, manifest, references);
  }

  private async detail(name: string, manifest: ManifestEntity, references: ManifestReferenceEntity[]): Promise<ManifestDetail> {
    const parsed = manifest.configDigest ? await this.imageConfig(name, manifest.configDigest) : null;
    return {
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      artifactType: manifest.artifactType,
      size: imageSize(references),
      configDigest: manifest.configDigest,
      layers: references
        .filter((reference) => reference.kind === 'layer')
        .map((reference) => ({ digest: reference.digest, size: reference.size, mediaType: reference.mediaType })),
      config: parsed?.config ?? null,
      history: parsed?.history ?? [],
    };
  }

  private async manifestEntity(repositoryId: number, digest: string): Promise<ManifestEntity> {
    const manifest = (await this.catalog.manifests(repositoryId, [digest])).get(digest);
    if (!manifest) throw ociErrors.manifestUnknown(digest);
    return manifest;
  }

  /** Compressed image size of each index child that is stored in the repository. */
  private async childImageSizes(repositoryId: number, references: ManifestReferenceEntity[]): Promise<Map<string, number>> {
    const digests = [...new Set(references.filter((reference) => reference.kind === 'manifest').map((reference) => reference.digest))];
    const children = [...(await this.catalog.manifests(repositoryId, digests)).values()];
    const childReferences = await this.catalog.references(children.map((child) => child.id));
    return new Map(children.map((child) => [child.digest, imageSize(childReferences.get(child.id) ?? [])]));
  }

  /** The parsed config blob, or null when it is missing, too large or not JSON. */
  private async imageConfig(name: string, digest: string): Promise<ParsedConfig | null> {
    if (this.configs.has(digest)) return this.configs.get(digest) ?? null;
    let parsed: ParsedConfig | null;
    try {
      const bytes = await this.readSmallBlob(name, digest);
      parsed = bytes ? summariseImageConfig(JSON.parse(bytes.toString('utf8'))) : null;
    } catch {
      // Not JSON (an artifact's config) or not readable right now: show the image without config details.
      return null;
    }
    if (this.configs.size >= CONFIG_CACHE_ENTRIES) this.configs.delete(this.configs.keys().next().value as string);
    this.configs.set(digest, parsed);
    return parsed;
  }

  private async readSmallBlob(name: string, digest: string): Promise<Buffer | null> {
    const stream = await this.registry.openBlob(name, digest);
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of stream) {
      length += (chunk as Buffer).length;
      if (length > MAX_CONFIG_BYTES) {
        stream.destroy();
        return null;
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }
}
