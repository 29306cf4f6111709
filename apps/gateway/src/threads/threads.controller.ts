import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Auth, type AuthContext, Authenticated } from '@sharedcare/auth';
import { CorrectionsService, MessagesService, ReferralsService, ThreadsService } from '@sharedcare/consult';
import {
  AcknowledgeResponse,
  AddParticipantsDto,
  AmendMessageDto,
  AmendmentResponse,
  CreateThreadDto,
  EnteredInErrorDto,
  EnteredInErrorResponse,
  HistoryQuery,
  mapAmendment,
  mapEnteredInError,
  mapHistoryPage,
  mapMessage,
  mapOverdue,
  mapReferral,
  mapThread,
  MessageIdParam,
  MessagePageResponse,
  MessageResponse,
  OverdueResponse,
  ReadDto,
  ReadResponse,
  ReferralListResponse,
  SendMessageDto,
  ThreadIdParam,
  ThreadListQuery,
  ThreadListResponse,
  ThreadResponse,
} from './threads.dto.js';

const NOT_FOUND = '`not_found`: no such thread, or the caller does not take part in it (the two look the same).';
const MESSAGE_NOT_FOUND = '`not_found`: no such message, or the caller does not take part in its thread.';
const CORRECTION_REFUSED =
  '`invalid`: not the caller’s message, a system message, or (amend) a referral or a body not valid for its kind.';
const CORRECTION_CONFLICT =
  '`conflict`: the message is no longer current (amended or entered in error, perhaps just now).';
const CONSENT_REQUIRED = '`consent_required`: the client’s consent does not cover a participant (named in details).';

@ApiTags('threads')
@ApiUnauthorizedResponse({ description: '`unauthenticated`' })
@ApiBadRequestResponse({ description: '`invalid`, naming the fields' })
@Controller()
export class ThreadsController {
  constructor(
    private readonly threads: ThreadsService,
    private readonly messages: MessagesService,
    private readonly referrals: ReferralsService,
    private readonly corrections: CorrectionsService,
  ) {}

  @Authenticated({ permission: 'thread.create' })
  @Post('threads')
  @ApiCreatedResponse({ type: ThreadResponse })
  @ApiNotFoundResponse({ description: '`not_found`: no such client, or the caller may not see it.' })
  @ApiForbiddenResponse({ description: CONSENT_REQUIRED })
  async create(@Auth() auth: AuthContext, @Body() body: CreateThreadDto): Promise<ThreadResponse> {
    return mapThread(await this.threads.create(auth, body));
  }

  @Authenticated({ permission: 'thread.list' })
  @Get('threads')
  @ApiOkResponse({ type: ThreadListResponse, description: 'The client’s threads the caller takes part in.' })
  @ApiNotFoundResponse({ description: '`not_found`: no such client, or the caller may not see it.' })
  async list(@Auth() auth: AuthContext, @Query() query: ThreadListQuery): Promise<ThreadListResponse> {
    return { threads: (await this.threads.list(auth, query.clientId)).map(mapThread) };
  }

  @Authenticated({ permission: 'thread.read' })
  @Get('threads/:threadId')
  @ApiOkResponse({ type: ThreadResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async get(@Auth() auth: AuthContext, @Param() params: ThreadIdParam): Promise<ThreadResponse> {
    return mapThread(await this.threads.get(auth, params.threadId));
  }

  @Authenticated({ permission: 'thread.manage' })
  @Post('threads/:threadId/participants')
  @HttpCode(200)
  @ApiOkResponse({ type: ThreadResponse, description: 'Adds covered colleagues; a system message says so.' })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiForbiddenResponse({ description: CONSENT_REQUIRED })
  async addParticipants(
    @Auth() auth: AuthContext,
    @Param() params: ThreadIdParam,
    @Body() body: AddParticipantsDto,
  ): Promise<ThreadResponse> {
    return mapThread(await this.threads.addParticipants(auth, params.threadId, body.providerIds));
  }

  @Authenticated({ permission: 'thread.read' })
  @Get('threads/:threadId/messages')
  @ApiOkResponse({ type: MessagePageResponse, description: 'Every message after `after`, in order, with receipts.' })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async history(
    @Auth() auth: AuthContext,
    @Param() params: ThreadIdParam,
    @Query() query: HistoryQuery,
  ): Promise<MessagePageResponse> {
    return mapHistoryPage(
      await this.messages.history(auth, params.threadId, { afterSeq: query.after ?? 0, limit: query.limit ?? 50 }),
    );
  }

  @Authenticated({ permission: 'message.send' })
  @Post('threads/:threadId/messages')
  @ApiCreatedResponse({
    type: MessageResponse,
    description: 'Stored before this answer; a retry with the same clientMessageId returns the original.',
  })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiForbiddenResponse({ description: CONSENT_REQUIRED })
  @ApiConflictResponse({ description: '`conflict`: a referral follow-up its referral’s status does not allow.' })
  async send(
    @Auth() auth: AuthContext,
    @Param() params: ThreadIdParam,
    @Body() body: SendMessageDto,
  ): Promise<MessageResponse> {
    return mapMessage(await this.messages.send(auth, { ...body, threadId: params.threadId }));
  }

  @Authenticated({ permission: 'thread.read' })
  @Get('threads/:threadId/referrals')
  @ApiOkResponse({
    type: ReferralListResponse,
    description: 'The thread’s referrals and where each stands; `referral` messages open and move them.',
  })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async referralList(@Auth() auth: AuthContext, @Param() params: ThreadIdParam): Promise<ReferralListResponse> {
    return { referrals: (await this.referrals.list(auth, params.threadId)).map(mapReferral) };
  }

  @Authenticated({ permission: 'message.receipt' })
  @Post('threads/:threadId/read')
  @HttpCode(200)
  @ApiOkResponse({ type: ReadResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async read(@Auth() auth: AuthContext, @Param() params: ThreadIdParam, @Body() body: ReadDto): Promise<ReadResponse> {
    return this.messages.markRead(auth, params.threadId, body.uptoSeq);
  }

  @Authenticated({ permission: 'message.acknowledge' })
  @Post('messages/:messageId/acknowledge')
  @HttpCode(200)
  @ApiOkResponse({ type: AcknowledgeResponse })
  @ApiNotFoundResponse({ description: '`not_found`: no such message, or the caller does not take part in its thread.' })
  async acknowledge(@Auth() auth: AuthContext, @Param() params: MessageIdParam): Promise<AcknowledgeResponse> {
    const result = await this.messages.acknowledge(auth, params.messageId);
    return { messageId: result.messageId, acknowledgedAt: result.acknowledgedAt.toISOString() };
  }

  @Authenticated({ permission: 'message.correct' })
  @Post('messages/:messageId/amend')
  @ApiCreatedResponse({
    type: AmendmentResponse,
    description:
      'The sender’s correction: a new message linked to the original, which is kept and marked amended. A retry with the same clientMessageId returns the same amendment.',
  })
  @ApiNotFoundResponse({ description: MESSAGE_NOT_FOUND })
  @ApiForbiddenResponse({ description: CONSENT_REQUIRED })
  @ApiConflictResponse({ description: CORRECTION_CONFLICT })
  @ApiBadRequestResponse({ description: CORRECTION_REFUSED })
  async amend(
    @Auth() auth: AuthContext,
    @Param() params: MessageIdParam,
    @Body() body: AmendMessageDto,
  ): Promise<AmendmentResponse> {
    return mapAmendment(await this.corrections.amend(auth, params.messageId, body));
  }

  @Authenticated({ permission: 'message.correct' })
  @Post('messages/:messageId/entered-in-error')
  @HttpCode(200)
  @ApiOkResponse({
    type: EnteredInErrorResponse,
    description: 'Marks the sender’s message entered in error (kept, still readable) and posts a notice.',
  })
  @ApiNotFoundResponse({ description: MESSAGE_NOT_FOUND })
  @ApiConflictResponse({ description: CORRECTION_CONFLICT })
  @ApiBadRequestResponse({ description: CORRECTION_REFUSED })
  async enteredInError(
    @Auth() auth: AuthContext,
    @Param() params: MessageIdParam,
    @Body() body: EnteredInErrorDto,
  ): Promise<EnteredInErrorResponse> {
    return mapEnteredInError(await this.corrections.enteredInError(auth, params.messageId, body.reason));
  }

  @Authenticated({ permission: 'acknowledgement.read' })
  @Get('acknowledgements/overdue')
  @ApiOkResponse({
    type: OverdueResponse,
    description: 'Past-due clinical acknowledgements the caller owes and is owed.',
  })
  async overdue(@Auth() auth: AuthContext): Promise<OverdueResponse> {
    const overdue = await this.messages.overdue(auth);
    return { owedByMe: overdue.owedByMe.map(mapOverdue), owedToMe: overdue.owedToMe.map(mapOverdue) };
  }
}
