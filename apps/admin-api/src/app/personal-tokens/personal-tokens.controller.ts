import { Body, Controller, Delete, Get, HttpStatus, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser } from '@refity/auth';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiErrorResponse } from '../core/api-error';
import { CreatedPersonalTokenDto, CreatePersonalTokenDto, PersonalTokenDto, PersonalTokenListQuery } from './personal-token.dto';
import { PersonalTokensService } from './personal-tokens.service';

const tokenId = new ParseIntPipe({ errorHttpStatusCode: HttpStatus.BAD_REQUEST });

@ApiTags('Personal tokens')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ApiErrorResponse, description: 'No valid token' })
@ApiResponse({ status: 403, type: ApiErrorResponse, description: 'Password change pending' })
@Controller('personal-tokens')
export class PersonalTokensController {
  constructor(private readonly tokens: PersonalTokensService) {}

  @Get()
  @ApiOperation({ operationId: 'listPersonalTokens', summary: 'Your personal access tokens (admins: ?userId= for another user)' })
  @ApiResponse({ status: 200, type: [PersonalTokenDto] })
  list(@CurrentUser() actor: AuthenticatedUser, @Query() query: PersonalTokenListQuery): Promise<PersonalTokenDto[]> {
    return this.tokens.list(actor, query.userId);
  }

  @Post()
  @ApiOperation({
    operationId: 'createPersonalToken',
    summary: 'Create a personal access token for docker login',
    description:
      'A registry password that is not your account password: `docker login -u <you> --password-stdin` with it, so your password never lands in ~/.docker/config.json. ' +
      'It has your permissions, is answered once (stored as an argon2id hash) and can be revoked.',
  })
  @ApiResponse({ status: 201, type: CreatedPersonalTokenDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse })
  create(@CurrentUser() actor: AuthenticatedUser, @Body() body: CreatePersonalTokenDto): Promise<CreatedPersonalTokenDto> {
    return this.tokens.create(actor, body);
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'revokePersonalToken', summary: 'Revoke a personal access token (yours; admins: anyone’s)', description: 'Logins with it fail at once; registry tokens obtained with it stop working within seconds.' })
  @ApiParam({ name: 'id', type: Number })
  @ApiResponse({ status: 200, type: PersonalTokenDto })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  revoke(@CurrentUser() actor: AuthenticatedUser, @Param('id', tokenId) id: number): Promise<PersonalTokenDto> {
    return this.tokens.revoke(actor, id);
  }
}
