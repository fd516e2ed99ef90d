import { Controller, Get, NotFoundException, Param, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { PAGE_HEADERS } from './page-headers.js';
import { PageAssets, type PageAsset } from './page-assets.js';

/**
 * The operators' page (`/admin`) and its files (`/admin/assets/<name>`). They need no key: everything the page
 * shows comes from the admin API, with the key the operator types in.
 */
@ApiExcludeController()
@Controller('admin')
export class OperatorsPageController {
  constructor(private readonly assets: PageAssets) {}

  @Get()
  page(@Res() reply: FastifyReply): void {
    if (!this.assets.page)
      throw new ServiceUnavailableException("the operators' page is not built: run npm run build, then start again");
    send(reply, this.assets.page);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() reply: FastifyReply): void {
    const asset = this.assets.asset(name);
    if (!asset) throw new NotFoundException(`the operators' page has no file named "${name}"`);
    send(reply, asset);
  }
}

function send(reply: FastifyReply, asset: PageAsset): void {
  void reply.headers(PAGE_HEADERS).type(asset.contentType).send(asset.body);
}
