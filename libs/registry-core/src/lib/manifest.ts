import { isValidDigest } from '@refity/digest';
import type { ManifestRecord } from '@refity/metadata';
import { ociErrors } from './oci-error';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
} as const;

const IMAGE_MANIFEST_TYPES: string[] = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest];
const INDEX_TYPES: string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList];
export const MANIFEST_MEDIA_TYPES: string[] = [...IMAGE_MANIFEST_TYPES, ...INDEX_TYPES];

/** Layers a registry is not expected to hold (Windows foreign layers, OCI non-distributable). */
function isForeignLayer(mediaType: string): boolean {
  return mediaType === 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip' || mediaType.startsWith('application/vnd.oci.image.layer.nondistributable');
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
  urls?: string[];
}

export interface ParsedManifest {
  record: Omit<ManifestRecord, 'digest' | 'size'>;
  /** Blobs that must exist in the repository before the manifest is accepted. */
  requiredBlobs: string[];
  /** Child manifests that must exist in the repository (indexes). */
  requiredManifests: string[];
  kind: 'image' | 'index';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function descriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw ociErrors.manifestInvalid(`${where} is not a descriptor object`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType.length === 0) throw ociErrors.manifestInvalid(`${where}.mediaType missing`);
  if (typeof digest !== 'string' || !isValidDigest(digest)) throw ociErrors.manifestInvalid(`${where}.digest is not a valid digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw ociErrors.manifestInvalid(`${where}.size must be a non-negative integer`);
  if (value['annotations'] !== undefined && !isObject(value['annotations'])) throw ociErrors.manifestInvalid(`${where}.annotations must be an object`);
  return value as unknown as Descriptor;
}

function platformOf(descriptor: Descriptor): string | null {
  const platform = descriptor.platform;
  if (!platform?.os || !platform.architecture) return null;
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/**
 * Validates a pushed manifest and extracts what metadata needs. `contentType` is the request's
 * Content-Type; the manifest's own `mediaType` field must agree with it when both are present.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw ociErrors.manifestInvalid('body is not valid JSON');
  }
  if (!isObject(json)) throw ociErrors.manifestInvalid('body is not a JSON object');

  const declared = typeof json['mediaType'] === 'string' ? (json['mediaType'] as string) : undefined;
  const header = contentType?.split(';')[0].trim().toLowerCase();
  const headerIsManifestType = header !== undefined && header !== '' && header !== 'application/json' && header !== 'application/octet-stream';
  if (declared && headerIsManifestType && declared !== header) {
    throw ociErrors.manifestInvalid(`mediaType "${declared}" does not match Content-Type "${header}"`);
  }
  let mediaType = headerIsManifestType ? (header as string) : declared;
  if (!mediaType) {
    // An OCI manifest may omit mediaType; tell image and index apart by shape.
    mediaType = Array.isArray(json['manifests']) ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest;
  }
  if (mediaType === MEDIA_TYPES.dockerSchema1 || mediaType === MEDIA_TYPES.dockerSchema1Signed) {
    throw ociErrors.manifestInvalid('Docker schema 1 manifests are not supported; push schema 2 or OCI');
  }
  if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) throw ociErrors.manifestInvalid(`unsupported manifest media type "${mediaType}"`);
  if (json['schemaVersion'] !== 2) throw ociErrors.manifestInvalid('schemaVersion must be 2');

  const annotations = json['annotations'];
  if (annotations !== undefined && !isObject(annotations)) throw ociErrors.manifestInvalid('annotations must be an object');
  const subject = json['subject'] === undefined ? undefined : descriptor(json['subject'], 'subject');
  const artifactTypeField = json['artifactType'];
  if (artifactTypeField !== undefined && typeof artifactTypeField !== 'string') throw ociErrors.manifestInvalid('artifactType must be a string');

  const references: ManifestRecord['references'] = [];
  if (subject) references.push({ kind: 'subject', digest: subject.digest, size: subject.size, mediaType: subject.mediaType, platform: null });

  if (IMAGE_MANIFEST_TYPES.includes(mediaType)) {
    const config = descriptor(json['config'], 'config');
    if (!Array.isArray(json['layers'])) throw ociErrors.manifestInvalid('layers must be an array');
    const layers = (json['layers'] as unknown[]).map((layer, index) => descriptor(layer, `layers[${index}]`));
    references.push({ kind: 'config', digest: config.digest, size: config.size, mediaType: config.mediaType, platform: null });
    for (const layer of layers) references.push({ kind: 'layer', digest: layer.digest, size: layer.size, mediaType: layer.mediaType, platform: null });
    // OCI 1.1: an artifact's type is artifactType, else its config's media type when that is not an image config.
    const artifactType =
      (artifactTypeField as string | undefined) ??
      (config.mediaType !== MEDIA_TYPES.ociConfig && config.mediaType !== MEDIA_TYPES.dockerConfig ? config.mediaType : null);
    return {
      kind: 'image',
      requiredBlobs: [config.digest, ...layers.filter((layer) => !isForeignLayer(layer.mediaType)).map((layer) => layer.digest)],
      requiredManifests: [],
      record: {
        mediaType,
        artifactType,
        subjectDigest: subject?.digest ?? null,
        configDigest: config.digest,
        annotations: (annotations as Record<string, string>) ?? null,
        references,
      },
    };
  }

  if (!Array.isArray(json['manifests'])) throw ociErrors.manifestInvalid('manifests must be an array');
  const children = (json['manifests'] as unknown[]).map((child, index) => descriptor(child, `manifests[${index}]`));
  for (const child of children) {
    references.push({ kind: 'manifest', digest: child.digest, size: child.size, mediaType: child.mediaType, platform: platformOf(child) });
  }
  return {
    kind: 'index',
    requiredBlobs: [],
    requiredManifests: children.map((child) => child.digest),
    record: {
      mediaType,
      artifactType: (artifactTypeField as string | undefined) ?? null,
      subjectDigest: subject?.digest ?? null,
      configDigest: null,
      annotations: (annotations as Record<string, string>) ?? null,
      references,
    },
  };
}

/** Every manifest media type a client may name in Accept, schema 1 included (never served here). */
const KNOWN_MANIFEST_TYPES = new Set<string>([...MANIFEST_MEDIA_TYPES, MEDIA_TYPES.dockerSchema1, MEDIA_TYPES.dockerSchema1Signed]);

/**
 * The manifest media types a client's Accept header limits it to, or undefined when it sets no
 * limit: no header, a wildcard for every type or every application type, or no manifest type
 * named at all (a generic `application/json`). Parameters such as `q=` are ignored, as distribution does.
 */
export function acceptedManifestTypes(accept: string | string[] | undefined): Set<string> | undefined {
  const values = (Array.isArray(accept) ? accept : [accept ?? ''])
    .flatMap((header) => header.split(','))
    .map((value) => value.split(';')[0].trim().toLowerCase())
    .filter((value) => value.length > 0);
  if (values.some((value) => value === '*/*' || value === 'application/*')) return undefined;
  const named = new Set(values.filter((value) => KNOWN_MANIFEST_TYPES.has(value)));
  return named.size > 0 ? named : undefined;
}

export function isIndexMediaType(mediaType: string): boolean {
  return INDEX_TYPES.includes(mediaType);
}

/**
 * The linux/amd64 entry of a manifest list or OCI index: what Docker's manifest-list spec has a
 * registry answer a client that does not accept lists. Undefined when there is none.
 */
export function defaultPlatformEntry(index: Buffer): Descriptor | undefined {
  let json: unknown;
  try {
    json = JSON.parse(index.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(json) || !Array.isArray(json['manifests'])) return undefined;
  for (const entry of json['manifests'] as unknown[]) {
    if (!isObject(entry) || !isObject(entry['platform'])) continue;
    const { os, architecture } = entry['platform'];
    if (os === 'linux' && architecture === 'amd64' && typeof entry['digest'] === 'string' && typeof entry['mediaType'] === 'string') {
      return entry as unknown as Descriptor;
    }
  }
  return undefined;
}
