import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one error shape of the admin API. */
export class ApiErrorResponse {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request', description: 'HTTP reason phrase' })
  error: string;

  @ApiProperty({ example: 'name must match the group name grammar', description: 'What went wrong, for a person' })
  message: string;

  @ApiPropertyOptional({ type: [String], description: 'Every validation problem, when there are several' })
  details?: string[];
}
