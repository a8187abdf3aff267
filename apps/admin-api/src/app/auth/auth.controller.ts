import { Body, Controller, Get, HttpCode, HttpStatus, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AllowedWithPendingPasswordChange, AuthenticatedUser, Public } from '@refity/auth';
import { ApiErrorResponse } from '../core/api-error';
import { UserDto } from '../users/user.dto';
import { ChangePasswordDto, LoginDto, LoginResponseDto } from './auth.dto';
import { AuthService } from './auth.service';
import { CurrentUser } from './current-user.decorator';

@ApiTags('Auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @UseGuards(ThrottlerGuard)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'login',
    summary: 'Log in',
    description: 'Answers a bearer token. Rate-limited per account and per client address (429 with Retry-After).',
  })
  @ApiResponse({ status: 200, type: LoginResponseDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse, description: 'Malformed body' })
  @ApiResponse({ status: 401, type: ApiErrorResponse, description: 'Wrong username or password, or account disabled' })
  @ApiResponse({ status: 429, type: ApiErrorResponse, description: 'Too many attempts' })
  login(@Body() body: LoginDto): Promise<LoginResponseDto> {
    return this.auth.login(body.username, body.password);
  }

  @Post('logout')
  @AllowedWithPendingPasswordChange()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth()
  @ApiOperation({ operationId: 'logout', summary: 'Log out', description: 'Revokes every token of the account issued so far (all sessions).' })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiResponse({ status: 401, type: ApiErrorResponse })
  async logout(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    await this.auth.logout(user);
  }

  @Get('me')
  @AllowedWithPendingPasswordChange()
  @ApiBearerAuth()
  @ApiOperation({ operationId: 'me', summary: 'The logged-in account' })
  @ApiResponse({ status: 200, type: UserDto })
  @ApiResponse({ status: 401, type: ApiErrorResponse })
  me(@CurrentUser() user: AuthenticatedUser): Promise<UserDto> {
    return this.auth.me(user);
  }

  @Put('password')
  @AllowedWithPendingPasswordChange()
  @ApiBearerAuth()
  @ApiOperation({
    operationId: 'changePassword',
    summary: 'Change your password',
    description: 'Checks the current password and the strength rules, revokes every earlier token and answers a fresh one.',
  })
  @ApiResponse({ status: 200, type: LoginResponseDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse, description: 'Current password wrong or new password too weak' })
  @ApiResponse({ status: 401, type: ApiErrorResponse })
  changePassword(@CurrentUser() user: AuthenticatedUser, @Body() body: ChangePasswordDto): Promise<LoginResponseDto> {
    return this.auth.changePassword(user, body.currentPassword, body.newPassword);
  }
}
