import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseIntPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, RequireRole } from '@refity/auth';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiErrorResponse } from '../core/api-error';
import { CreateRobotDto, RobotDto, RobotSecretDto, UpdateRobotDto } from './robot.dto';
import { RobotsService } from './robots.service';

const robotId = new ParseIntPipe({ errorHttpStatusCode: HttpStatus.BAD_REQUEST });

@ApiTags('Robots')
@ApiBearerAuth()
@RequireRole('admin')
@ApiResponse({ status: 401, type: ApiErrorResponse, description: 'No valid token' })
@ApiResponse({ status: 403, type: ApiErrorResponse, description: 'Not an admin, or password change pending' })
@Controller('robots')
export class RobotsController {
  constructor(private readonly robots: RobotsService) {}

  @Get()
  @ApiOperation({ operationId: 'listRobots', summary: 'List robot accounts with their grants (admin)' })
  @ApiResponse({ status: 200, type: [RobotDto] })
  list(): Promise<RobotDto[]> {
    return this.robots.list();
  }

  @Post()
  @ApiOperation({
    operationId: 'createRobot',
    summary: 'Create a robot account for CI/CD (admin)',
    description: 'Answers the secret once (stored as an argon2id hash). Log in with `docker login -u \'robot$<name>\' --password-stdin`.',
  })
  @ApiResponse({ status: 201, type: RobotSecretDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse, description: 'Invalid name, expiry or permission' })
  @ApiResponse({ status: 404, type: ApiErrorResponse, description: 'A granted group does not exist' })
  @ApiResponse({ status: 409, type: ApiErrorResponse, description: 'Name taken' })
  create(@CurrentUser() actor: AuthenticatedUser, @Body() body: CreateRobotDto): Promise<RobotSecretDto> {
    return this.robots.create(body, actor.username);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getRobot', summary: 'One robot account (admin)' })
  @ApiParam({ name: 'id', type: Number })
  @ApiResponse({ status: 200, type: RobotDto })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  get(@Param('id', robotId) id: number): Promise<RobotDto> {
    return this.robots.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateRobot',
    summary: 'Change description or expiry, revoke or re-enable (admin)',
    description: '`disabled: true` revokes the robot: it cannot log in, and its tokens stop working within seconds.',
  })
  @ApiParam({ name: 'id', type: Number })
  @ApiResponse({ status: 200, type: RobotDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  update(@Param('id', robotId) id: number, @Body() body: UpdateRobotDto): Promise<RobotDto> {
    return this.robots.update(id, body);
  }

  @Post(':id/secret')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'rotateRobotSecret', summary: 'Replace the secret (admin)', description: 'Answers the new secret once; the old one stops working.' })
  @ApiParam({ name: 'id', type: Number })
  @ApiResponse({ status: 200, type: RobotSecretDto })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  rotate(@Param('id', robotId) id: number): Promise<RobotSecretDto> {
    return this.robots.rotateSecret(id);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'deleteRobot', summary: 'Delete a robot account and its grants (admin)' })
  @ApiParam({ name: 'id', type: Number })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  async delete(@Param('id', robotId) id: number): Promise<void> {
    await this.robots.delete(id);
  }
}
