import { ApiProperty } from '@nestjs/swagger';

export class ComponentHealthDto {
  @ApiProperty()
  ok: boolean;

  @ApiProperty({ type: Number, nullable: true })
  latencyMs: number | null;

  @ApiProperty({ type: String, nullable: true })
  error: string | null;
}

export class HealthDto {
  @ApiProperty({ enum: ['ok', 'unavailable'] })
  status: 'ok' | 'unavailable';

  @ApiProperty({ type: ComponentHealthDto })
  database: ComponentHealthDto;

  @ApiProperty({ type: ComponentHealthDto })
  storage: ComponentHealthDto;
}
