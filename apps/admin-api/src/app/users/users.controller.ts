import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseIntPipe, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, RequireRole } from '@refity/auth';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiErrorResponse } from '../core/api-error';
import { CreateUserDto, ResetPasswordDto, UpdateUserDto, UserDto } from './user.dto';
import { UsersService } from './users.service';

const userId = new ParseIntPipe({ errorHttpStatusCode: HttpStatus.BAD_REQUEST });

@ApiTags('Users')
@ApiBearerAuth()
@RequireRole('admin')
@ApiResponse({ status: 401, type: ApiErrorResponse, description: 'No valid token' })
@ApiResponse({ status: 403, type: ApiErrorResponse, description: 'Not an admin, or password change pending' })
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ operationId: 'listUsers', summary: 'List accounts (admin)' })
  @ApiResponse({ status: 200, type: [UserDto] })
  list(): Promise<UserDto[]> {
    return this.users.list();
  }

  @Post()
  @ApiOperation({ operationId: 'createUser', summary: 'Create an account (admin)' })
  @ApiResponse({ status: 201, type: UserDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse, description: 'Invalid username, role or weak password' })
  @ApiResponse({ status: 409, type: ApiErrorResponse, description: 'Username taken' })
  create(@Body() body: CreateUserDto): Promise<UserDto> {
    return this.users.create(body);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateUser', summary: 'Change role or disable (admin)', description: 'A role change or disabling revokes the account’s tokens.' })
  @ApiParam({ name: 'id', type: Number })
  @ApiResponse({ status: 200, type: UserDto })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  @ApiResponse({ status: 409, type: ApiErrorResponse, description: 'Would leave no enabled admin, or targets yourself' })
  update(@CurrentUser() actor: AuthenticatedUser, @Param('id', userId) id: number, @Body() body: UpdateUserDto): Promise<UserDto> {
    return this.users.update(actor, id, body);
  }

  @Put(':id/password')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'resetPassword', summary: 'Set a new password (admin)', description: 'Revokes the account’s tokens; by default the user must change it at next login.' })
  @ApiParam({ name: 'id', type: Number })
  @ApiResponse({ status: 204, description: 'Password set' })
  @ApiResponse({ status: 400, type: ApiErrorResponse, description: 'Weak password' })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  async resetPassword(@Param('id', userId) id: number, @Body() body: ResetPasswordDto): Promise<void> {
    await this.users.resetPassword(id, body);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'deleteUser', summary: 'Delete an account (admin)' })
  @ApiParam({ name: 'id', type: Number })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  @ApiResponse({ status: 409, type: ApiErrorResponse, description: 'The last enabled admin, or yourself' })
  async delete(@CurrentUser() actor: AuthenticatedUser, @Param('id', userId) id: number): Promise<void> {
    await this.users.delete(actor, id);
  }
}
