import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class PlatformDto {
  @ApiProperty({ example: 'linux' })
  os: string;

  @ApiProperty({ example: 'amd64' })
  architecture: string;

  @ApiProperty({ type: String, nullable: true, example: 'v8' })
  variant: string | null;
}

export class PlatformManifestDto {
  @ApiProperty({ type: PlatformDto, nullable: true, description: 'Null when the index does not say' })
  platform: PlatformDto | null;

  @ApiProperty({ example: 'sha256:…' })
  digest: string;

  @ApiProperty({ type: String, nullable: true })
  mediaType: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Compressed bytes of this platform’s image; null when not stored here' })
  size: number | null;
}

export class LayerDto {
  @ApiProperty()
  digest: string;

  @ApiProperty({ description: 'Compressed bytes' })
  size: number;

  @ApiProperty({ type: String, nullable: true })
  mediaType: string | null;
}

export class HistoryDto {
  @ApiProperty({ type: String, nullable: true })
  created: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'RUN apk add curl' })
  createdBy: string | null;

  @ApiProperty({ type: String, nullable: true })
  comment: string | null;

  @ApiProperty({ description: 'The step produced no layer (ENV, CMD, …)' })
  emptyLayer: boolean;
}

export class ImageConfigDto {
  @ApiProperty({ type: String, nullable: true })
  os: string | null;

  @ApiProperty({ type: String, nullable: true })
  architecture: string | null;

  @ApiProperty({ type: String, nullable: true })
  variant: string | null;

  @ApiProperty({ type: String, nullable: true })
  created: string | null;

  @ApiProperty({ type: String, nullable: true })
  author: string | null;

  @ApiProperty({ type: [String], nullable: true })
  entrypoint: string[] | null;

  @ApiProperty({ type: [String], nullable: true })
  cmd: string[] | null;

  @ApiProperty({ type: [String], example: ['PATH=/usr/local/bin:/usr/bin'] })
  env: string[];

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  labels: Record<string, string>;

  @ApiProperty({ type: String, nullable: true })
  workingDir: string | null;

  @ApiProperty({ type: String, nullable: true })
  user: string | null;

  @ApiProperty({ type: [String], example: ['8080/tcp'] })
  exposedPorts: string[];
}

export class ManifestDetailDto {
  @ApiProperty()
  digest: string;

  @ApiProperty()
  mediaType: string;

  @ApiProperty({ type: String, nullable: true })
  artifactType: string | null;

  @ApiProperty({ description: 'Compressed bytes: config + layers' })
  size: number;

  @ApiProperty({ type: String, nullable: true })
  configDigest: string | null;

  @ApiProperty({ type: [LayerDto] })
  layers: LayerDto[];

  @ApiProperty({ type: ImageConfigDto, nullable: true, description: 'From the config blob; null for artifacts or unreadable configs' })
  config: ImageConfigDto | null;

  @ApiProperty({ type: [HistoryDto] })
  history: HistoryDto[];
}

export class ReferrerDto {
  @ApiProperty()
  digest: string;

  @ApiProperty()
  mediaType: string;

  @ApiProperty()
  size: number;

  @ApiProperty({ type: String, nullable: true, example: 'application/vnd.dev.cosign.artifact.sig.v1+json' })
  artifactType: string | null;

  @ApiProperty({ type: 'object', nullable: true, additionalProperties: { type: 'string' } })
  annotations: Record<string, string> | null;
}

export class TagDto {
  @ApiProperty({ example: '1.0.0' })
  name: string;

  @ApiProperty()
  digest: string;

  @ApiProperty({ type: String, nullable: true })
  mediaType: string | null;

  @ApiProperty({ type: String, nullable: true })
  artifactType: string | null;

  @ApiProperty({ description: 'Compressed bytes; for an index, summed over its platforms' })
  size: number;

  @ApiProperty({ type: [PlatformDto] })
  platforms: PlatformDto[];

  @ApiProperty({ type: String, format: 'date-time' })
  pushedAt: string;
}

export class TagDetailDto {
  @ApiProperty({ example: 'myteam/app' })
  repository: string;

  @ApiProperty({ example: '1.0.0' })
  tag: string;

  @ApiProperty()
  digest: string;

  @ApiProperty()
  mediaType: string;

  @ApiProperty({ type: String, nullable: true })
  artifactType: string | null;

  @ApiProperty({ description: 'Compressed bytes; for an index, summed over its platforms' })
  size: number;

  @ApiProperty({ type: String, format: 'date-time' })
  pushedAt: string;

  @ApiProperty({ description: 'A multi-platform index' })
  isIndex: boolean;

  @ApiProperty({ type: [PlatformManifestDto], description: 'The children of an index, or the image’s own platform' })
  platforms: PlatformManifestDto[];

  @ApiProperty({ type: ManifestDetailDto, nullable: true, description: 'The image itself, or the first stored platform of an index' })
  image: ManifestDetailDto | null;

  @ApiProperty({ type: [ReferrerDto], description: 'Signatures, SBOMs, attestations whose subject is this manifest' })
  referrers: ReferrerDto[];

  @ApiProperty({ type: [String], description: 'Other tags pointing at the same manifest' })
  otherTags: string[];

  @ApiProperty({ example: 'docker pull localhost:5000/myteam/app:1.0.0' })
  pullCommand: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'The manifest document as pushed' })
  manifest: unknown;
}
