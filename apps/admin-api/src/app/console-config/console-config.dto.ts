import { ApiProperty } from '@nestjs/swagger';

export class ConsoleConfigDto {
  @ApiProperty({ example: 'localhost:5000', description: 'REGISTRY_URL: the host in pull commands' })
  registryUrl: string;

  @ApiProperty({ example: '0.0.0' })
  version: string;

  @ApiProperty({ description: 'FTP_USAGE_ENABLED: the dashboard has a Storage Box usage card' })
  hetznerUsageEnabled: boolean;
}
