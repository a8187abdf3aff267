import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '@refity/auth';
import { RefityConfig } from '@refity/config';
import { CONFIG } from '../core/tokens';
import { ConsoleConfigDto } from './console-config.dto';

export const API_VERSION = '1.0.0';

@ApiTags('Config')
@Controller('config')
export class ConsoleConfigController {
  constructor(@Inject(CONFIG) private readonly config: RefityConfig) {}

  @Get()
  @Public()
  @ApiOperation({ operationId: 'getConfig', summary: 'What the console needs before login (no token needed)' })
  @ApiResponse({ status: 200, type: ConsoleConfigDto })
  get(): ConsoleConfigDto {
    return { registryUrl: this.config.env.REGISTRY_URL, version: API_VERSION, hetznerUsageEnabled: this.config.admin.hetzner !== undefined };
  }
}
